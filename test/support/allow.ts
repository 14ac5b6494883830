import { request } from 'node:http';
import { concretePath } from './security-matrix.ts';

/**
 * RFC 9110 for every path an OpenAPI document lists: OPTIONS answers 204 with `Allow`, and a
 * method the path does not serve (TRACE included) 405 with the same `Allow` and the error
 * envelope. `Allow` is the documented methods, plus HEAD where GET is, plus OPTIONS.
 */
export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

export interface RawAnswer {
  status: number;
  allow: string | null;
  code: string | undefined;
}

export function documentedAllow(methods: string[]): string {
  const all = new Set(methods.map((m) => m.toUpperCase()));
  if (all.has('GET')) all.add('HEAD');
  all.add('OPTIONS');
  return [...all].sort().join(', ');
}

/**
 * One request over HTTP with any method: `fetch` refuses to send TRACE (a forbidden method in
 * the Fetch standard), and TRACE is what a scanner sends.
 */
export function rawRequest(
  baseUrl: string,
  path: string,
  method: string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let code: string | undefined;
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          const allow = res.headers.allow;
          resolve({ status: res.statusCode ?? 0, allow: typeof allow === 'string' ? allow : null, code });
        });
      },
    );
    req.once('error', reject);
    req.end();
  });
}

/** Every path of the document, asked with OPTIONS and TRACE: expected and answered, one line each. */
export async function allowOfEveryPath(
  doc: OpenApiDocument,
  send: (path: string, method: string) => Promise<RawAnswer>,
) {
  const answers: { path: string; expected: string; got: string }[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    const path = concretePath(template);
    const allow = documentedAllow(Object.keys(item));
    const options = await send(path, 'OPTIONS');
    const trace = await send(path, 'TRACE');
    answers.push({
      path: template,
      expected: `204 ${allow} | 405 ${allow} method_not_allowed`,
      got: `${options.status} ${options.allow} | ${trace.status} ${trace.allow} ${trace.code}`,
    });
  }
  return answers;
}
