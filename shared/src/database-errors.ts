import { BadRequest, Conflict, type QuireError } from './errors.ts';

/**
 * Postgres errors, read without importing a driver (this file is runtime-neutral): the
 * postgres.js `PostgresError` carries the server's fields (`code`, `constraint_name`, …), and
 * drizzle wraps it in a `DrizzleQueryError` whose `cause` it is.
 *
 * What may be logged of one: the SQLSTATE, the constraint, table, column and routine, and the
 * query text with its placeholders. Never the parameters (drizzle puts them in its message),
 * never the server's `message`, `detail` or `where` (Postgres quotes the offending value there:
 * `invalid input syntax for type integer: "…"`, `Key (email)=(…) already exists`).
 */
export interface DatabaseErrorFields {
  code: string;
  severity?: string;
  constraint?: string;
  table?: string;
  column?: string;
  dataType?: string;
  routine?: string;
  /** The statement with `$1` placeholders, as the application wrote it. */
  query?: string;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

type Fields = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The Postgres error in `err` or its causes, as safe fields; undefined for anything else. */
export function databaseError(err: unknown): DatabaseErrorFields | undefined {
  let query: string | undefined;
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const f = e as Fields;
    query ??= str(f.query);
    const code = f.code;
    if (typeof code === 'string' && SQLSTATE.test(code) && ('severity' in f || f.name === 'PostgresError')) {
      return {
        code,
        severity: str(f.severity),
        constraint: str(f.constraint_name),
        table: str(f.table_name),
        column: str(f.column_name),
        dataType: str(f.data_type_name),
        routine: str(f.routine),
        query: query?.slice(0, 2000),
      };
    }
    e = f.cause;
  }
  return undefined;
}

/** The SQLSTATE of a Postgres error in `err` or its causes. */
export function sqlState(err: unknown): string | undefined {
  return databaseError(err)?.code;
}

/**
 * A database refusal the caller's input caused, as the domain error to answer with; undefined
 * when the error is ours (a bug, an outage), which stays a 500. This is the safety net behind
 * boundary validation: it keeps a value the schemas missed from becoming a 500, and the error
 * handler logs it so the schema can be fixed.
 *
 * - class 22 (data exception: NUL in text, a malformed number or date, a value out of range)
 * - 23502 / 23514 (a required value missing, a check constraint refusing a value)
 * - 23505 / 23503 (unique and foreign-key violations the verb did not turn into a domain error)
 * - 54000 (a value too large for an index row)
 */
export function inputErrorOf(err: unknown): QuireError | undefined {
  const code = sqlState(err);
  if (!code) return undefined;
  if (code.startsWith('22') || code === '23502' || code === '23514' || code === '54000')
    return new BadRequest('the request holds a value the database cannot store', { reason: 'invalid_value' });
  if (code === '23505') return new Conflict('conflicts with an existing resource', { reason: 'duplicate' });
  if (code === '23503')
    return new Conflict('refers to a resource that does not exist or is still referenced', {
      reason: 'reference',
    });
  return undefined;
}
