import { databaseError } from './database-errors.ts';

/**
 * An error as log fields, safe to write. A database error by its code, constraint, table and
 * query text only; a query that failed before reaching the server (drizzle's wrapper, whose
 * message lists the query's parameters) by its query text and its cause; anything else by name
 * and message, cut short. Parameters can be secrets or personal data, and Postgres quotes the
 * offending value in its own message, so neither is ever written. `stack` adds the frames, never
 * the message the stack starts with.
 */
export function errorFields(err: unknown, o: { stack?: boolean } = {}): Record<string, unknown> {
  const frames = o.stack ? stackFrames(err) : undefined;
  const withFrames = (fields: Record<string, unknown>) => (frames ? { ...fields, stack: frames } : fields);
  const db = databaseError(err);
  if (db) return withFrames({ err: 'DatabaseError', db });
  const failed = failedQuery(err);
  if (failed)
    return withFrames({ err: 'FailedQuery', query: failed.query, cause: errorFields(failed.cause) });
  const e = err as { name?: unknown; message?: unknown } | null | undefined;
  return withFrames({
    err: typeof e?.name === 'string' ? e.name : typeof err,
    message: typeof e?.message === 'string' ? e.message.slice(0, 200) : String(err).slice(0, 200),
  });
}

/** drizzle's `DrizzleQueryError`: a query, its parameters (in the message too) and the cause. */
function failedQuery(err: unknown): { query: string; cause: unknown } | undefined {
  const e = err as { query?: unknown; params?: unknown; cause?: unknown } | null | undefined;
  if (typeof e?.query !== 'string' || !Array.isArray(e.params)) return undefined;
  return { query: e.query.slice(0, 2000), cause: e.cause };
}

/**
 * The `at …` lines of an error's stack: where it happened. The message heading the stack is cut
 * off by its exact text first (it may span lines, and a parameter could itself look like a frame).
 */
export function stackFrames(err: unknown): string | undefined {
  const e = err as { name?: unknown; message?: unknown; stack?: unknown } | null | undefined;
  if (typeof e?.stack !== 'string') return undefined;
  let stack = e.stack;
  const message = typeof e.message === 'string' ? e.message : '';
  const at = message ? stack.indexOf(message) : -1;
  if (at >= 0) stack = stack.slice(at + message.length);
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 30)
    .join('\n');
}
