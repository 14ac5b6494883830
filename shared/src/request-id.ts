import { createMiddleware } from 'hono/factory';
import { REQUEST_ID_HEADER } from './edge-headers.ts';
import { newId } from './ids.ts';

export type RequestIdVariables = { requestId: string };

const INCOMING = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * The request id every service answers with (edge, cell, control plane): the caller's when it
 * is well-formed (so the cell keeps the edge's, and a log line can be followed across the
 * three), otherwise a fresh `req_…`. It is set on the response after the handler ran, so it
 * lands on every response, a raw `Response` a handler returned included.
 */
export const requestId = () =>
  createMiddleware<{ Variables: RequestIdVariables }>(async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const id = incoming && INCOMING.test(incoming) ? incoming : newId('request');
    c.set('requestId', id);
    await next();
    try {
      c.res.headers.set(REQUEST_ID_HEADER, id);
    } catch {
      // Immutable headers: an upgrade (101) at the edge, whose cell already echoed the id.
    }
  });
