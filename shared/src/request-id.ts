import { createMiddleware } from 'hono/factory';
import { newId } from './ids.ts';

export type RequestIdVariables = { requestId: string };

const INCOMING = /^[A-Za-z0-9_-]{8,64}$/;

/** Keeps the caller's (the edge's) request id when it is well-formed, otherwise makes one; echoes it on every response. */
export const requestId = () =>
  createMiddleware<{ Variables: RequestIdVariables }>(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const id = incoming && INCOMING.test(incoming) ? incoming : newId('request');
    c.set('requestId', id);
    c.header('x-request-id', id);
    await next();
  });
