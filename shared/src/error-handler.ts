import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { type ErrorCode, errorBody, QuireError, RateLimited } from './errors.ts';
import type { Logger } from './log.ts';

/** Zod issues as the `details` of a 400: where, what. Never the rejected value itself. */
export function zodDetails(error: ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

const HTTP_CODES: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * The one mapping from anything thrown to the wire envelope: domain errors, HTTP exceptions,
 * zod, then the unknown. An unknown error is logged by name and message (a driver error can
 * quote values, and values may be personal); `logStack` adds the stack (the cell, whose logs
 * stay in its region).
 */
export function errorHandler(log: Logger, o: { logStack?: boolean } = {}) {
  return (err: Error, c: Context) => {
    const requestId = c.get('requestId') as string | undefined;
    if (err instanceof QuireError) {
      if (err instanceof RateLimited) c.header('Retry-After', String(err.retryAfterSeconds));
      return c.json(errorBody(err.code, err.message, requestId, err.details), err.status as 400);
    }
    if (err instanceof ZodError) {
      return c.json(errorBody('validation_failed', 'request is invalid', requestId, zodDetails(err)), 400);
    }
    if (err instanceof HTTPException) {
      const code = HTTP_CODES[err.status] ?? (err.status >= 500 ? 'internal' : 'bad_request');
      return c.json(errorBody(code, err.message || code, requestId), err.status);
    }
    if (err?.name === 'BodyLimitError')
      return c.json(errorBody('payload_too_large', 'request body is too large', requestId), 413);
    if (o.logStack) log.error('unhandled error', { requestId, err: err?.message, stack: err?.stack });
    else log.error('unhandled error', { requestId, err: err?.name, message: err?.message?.slice(0, 200) });
    return c.json(errorBody('internal', 'internal error', requestId), 500);
  };
}

export function notFoundHandler(c: Context) {
  return c.json(errorBody('not_found', 'no such route', c.get('requestId') as string | undefined), 404);
}
