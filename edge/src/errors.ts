import { type ErrorCode, errorBody, QuireError } from '@quire/shared/errors';

/** An edge refusal: a shared error code, plus Retry-After for 429 and 503. */
export class EdgeError extends QuireError {
  readonly retryAfterSeconds: number | undefined;
  constructor(code: ErrorCode, message: string, retryAfterSeconds?: number) {
    super(code, message);
    this.name = 'EdgeError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The shared envelope `{ error: { code, message, requestId } }`, with Retry-After when known. */
export function errorResponse(err: QuireError, requestId: string | undefined): Response {
  const headers = new Headers({ 'content-type': 'application/json; charset=utf-8' });
  const retry =
    err instanceof EdgeError
      ? err.retryAfterSeconds
      : (err as { retryAfterSeconds?: number }).retryAfterSeconds;
  if (retry !== undefined) headers.set('retry-after', String(retry));
  if (requestId) headers.set('x-request-id', requestId);
  return new Response(JSON.stringify(errorBody(err.code, err.message, requestId)), {
    status: err.status,
    headers,
  });
}
