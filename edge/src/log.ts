/**
 * The edge's only logger: one JSON line per event, fields chosen by the caller from a
 * closed set of metadata. Never pass a request or response body, a header value, a token
 * or a query string here.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

function write(level: 'info' | 'warn' | 'error', event: string, fields: LogFields = {}) {
  const line = JSON.stringify({ level, event, ...fields });
  if (level === 'info') console.log(line);
  else if (level === 'warn') console.warn(line);
  else console.error(line);
}

export const log: Logger = {
  info: (event, fields) => write('info', event, fields),
  warn: (event, fields) => write('warn', event, fields),
  error: (event, fields) => write('error', event, fields),
};

/** An error's class name only: fetch and parser messages may quote URLs with query strings. */
export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

const ID_SEGMENT = /^[a-z]{3}_[0-9a-z-]{1,40}$/;
const PLAIN_SEGMENT = /^[a-z][a-z0-9-]{0,31}$/i;

/**
 * The path with every variable part replaced (`/v1/documents/:id/content`): ids, share
 * tokens, file names and anything unusual never reach the logs.
 */
export function pathTemplate(pathname: string): string {
  const parts = pathname.split('/').slice(1, 12);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') out.push('');
    else if (parts[i - 1] === 'share') out.push(':token');
    else if (ID_SEGMENT.test(part)) out.push(':id');
    else if (/^\d{1,12}$/.test(part)) out.push(':n');
    else if (PLAIN_SEGMENT.test(part) || part === '.well-known' || part === 'jwks.json') out.push(part);
    else out.push(':x');
  }
  return `/${out.join('/')}`;
}
