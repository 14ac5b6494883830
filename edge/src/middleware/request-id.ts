import { REQUEST_ID_HEADER } from '@quire/shared/edge-headers';
import { createMiddleware } from 'hono/factory';

export type RequestIdVariables = { requestId: string };

const INCOMING = /^[A-Za-z0-9_-]{8,64}$/;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** `req_` + 25 lowercase base32 characters, like the cells' ids (WebCrypto: no node:crypto here). */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(25));
  let body = '';
  for (const b of bytes) body += ALPHABET[b & 31];
  return `req_${body}`;
}

/** Keeps a well-formed incoming request id, otherwise makes one; the cell keeps the edge's. */
export const requestId = () =>
  createMiddleware<{ Variables: RequestIdVariables }>(async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const id = incoming && INCOMING.test(incoming) ? incoming : newRequestId();
    c.set('requestId', id);
    await next();
    try {
      c.res.headers.set(REQUEST_ID_HEADER, id);
    } catch {
      // An upgrade (101) response's headers are immutable; the cell already echoed the id.
    }
  });
