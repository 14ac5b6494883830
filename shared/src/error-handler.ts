import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { databaseError, inputErrorOf } from './database-errors.ts';
import { errorFields } from './error-log.ts';
import { type ErrorCode, errorBody, QuireError, RateLimited, Unavailable } from './errors.ts';
import type { Logger } from './log.ts';
import { outageErrorOf } from './outage-errors.ts';

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
 * zod, database refusals the input caused (a 4xx, logged so the schema that let the value
 * through gets fixed), a dependency outage (a 503 with Retry-After), then the unknown (a 500). Nothing is logged with a database error's
 * parameters or message, which can quote values (see error-log.ts); `logStack` adds stack
 * frames (the cell, whose logs stay in its region). A response never carries a stack.
 */
export function errorHandler(log: Logger, o: { logStack?: boolean } = {}) {
  return (err: Error, c: Context) => {
    const requestId = c.get('requestId') as string | undefined;
    if (err instanceof QuireError) return quireResponse(c, err, requestId);
    if (err instanceof ZodError) {
      return c.json(errorBody('validation_failed', 'request is invalid', requestId, zodDetails(err)), 400);
    }
    if (err instanceof HTTPException) {
      const code = HTTP_CODES[err.status] ?? (err.status >= 500 ? 'internal' : 'bad_request');
      return c.json(errorBody(code, err.message || code, requestId), err.status);
    }
    if (err?.name === 'BodyLimitError')
      return c.json(errorBody('payload_too_large', 'request body is too large', requestId), 413);
    const refusal = inputErrorOf(err);
    if (refusal) {
      log.warn('database refused a value from the request', { requestId, db: databaseError(err) });
      return quireResponse(c, refusal, requestId);
    }
    const outage = outageErrorOf(err);
    if (outage) {
      log.warn('a dependency is unavailable; answered 503', { requestId, ...errorFields(err) });
      return quireResponse(c, outage, requestId);
    }
    log.error('unhandled error', { requestId, ...errorFields(err, { stack: o.logStack }) });
    return c.json(errorBody('internal', 'internal error', requestId), 500);
  };
}

function quireResponse(c: Context, err: QuireError, requestId: string | undefined) {
  if (err instanceof RateLimited || err instanceof Unavailable)
    c.header('Retry-After', String(err.retryAfterSeconds));
  else if (err.status === 429 || err.status === 503) {
    const after = (err.details as { retryAfter?: unknown } | undefined)?.retryAfter;
    if (typeof after === 'number' && Number.isFinite(after))
      c.header('Retry-After', String(Math.max(1, Math.ceil(after))));
  }
  return c.json(errorBody(err.code, err.message, requestId, err.details), err.status as 400);
}

export function notFoundHandler(c: Context) {
  return c.json(errorBody('not_found', 'no such route', c.get('requestId') as string | undefined), 404);
}
