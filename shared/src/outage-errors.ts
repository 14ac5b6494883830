import { Unavailable } from './errors.ts';

/** How long a caller is asked to wait when a dependency is down (the edge asks the same of a down cell). */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/** Transport codes of a server that is not there (Node sockets, postgres.js). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/** What ioredis rejects a command with while its server is down (command timeout, closed or unwritable connection). */
const REDIS_MESSAGES = [/^Command timed out$/, /^Connection is closed\.?$/, /^Stream isn't writeable/];

/**
 * A dependency outage as the domain error to answer with (503 `unavailable`, Retry-After), or
 * undefined when the error is something else (a bug stays a 500). Recognised: a database that
 * refuses or drops connections (SQLSTATE class 08, 57P01-57P03: shut down, crashed, starting),
 * a Redis command that timed out or found no connection, a socket refused or reset (also as
 * the `cause` of a client's own error: S3, KMS, OpenSearch), OpenSearch's ConnectionError.
 * A kill -9 of Postgres or Redis then costs callers a 503 they can retry, never a 500.
 */
export function outageErrorOf(err: unknown): Unavailable | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e !== 'object') break;
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    const outage =
      (typeof code === 'string' &&
        (CONNECTION_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code))) ||
      name === 'MaxRetriesPerRequestError' ||
      name === 'ConnectionError' ||
      (typeof message === 'string' && REDIS_MESSAGES.some((m) => m.test(message)));
    if (outage) return new Unavailable(OUTAGE_RETRY_AFTER_SECONDS);
  }
  return undefined;
}
