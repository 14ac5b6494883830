import { databaseError } from './database-errors.ts';

/**
 * An error as log fields, safe to write: a database error by its code, constraint, table and
 * query text only (its message and stack header carry the query's parameters, which can be
 * secrets or personal data); anything else by name and message, cut short. `stack` adds the
 * stack frames, never the message line the stack starts with.
 */
export function errorFields(err: unknown, o: { stack?: boolean } = {}): Record<string, unknown> {
  const e = err as { name?: unknown; message?: unknown; stack?: unknown } | null | undefined;
  const frames = o.stack && typeof e?.stack === 'string' ? stackFrames(e.stack) : undefined;
  const db = databaseError(err);
  if (db) return { err: 'DatabaseError', db, ...(frames ? { stack: frames } : {}) };
  return {
    err: typeof e?.name === 'string' ? e.name : typeof err,
    message: typeof e?.message === 'string' ? e.message.slice(0, 200) : String(err).slice(0, 200),
    ...(frames ? { stack: frames } : {}),
  };
}

/** The `at …` lines of a stack: where it happened, without the message that heads it. */
export function stackFrames(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 30)
    .join('\n');
}
