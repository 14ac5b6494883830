import type { TestCell } from './harness.ts';

/**
 * The security matrix every route of an app answers to, derived from its own OpenAPI
 * document so a new route is covered the day it is added: each operation declares
 * `bearerAuth` (a user token), `internalAuth` (the control plane's credential) or nothing
 * (then it must be on the public allow-list).
 */
export interface Operation {
  method: string;
  path: string;
  security: 'user' | 'internal' | 'public';
}

/**
 * What the matrix makes a route answer, by its security, so its document must declare them:
 * a user route 401 (no, bad or foreign token), 403 (suspended tenant, token of another tenant
 * than the request was routed for), 404 (what another tenant's caller may not see) and 421 (a
 * tenant homed elsewhere); an internal route 401.
 */
export const MATRIX_STATUSES: Record<Operation['security'], number[]> = {
  user: [401, 403, 404, 421],
  internal: [401],
  public: [],
};

export async function operationsOf(cell: TestCell): Promise<Operation[]> {
  const doc = (await (await cell.app.request('/v1/openapi.json')).json()) as {
    paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
  };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      const security = schemes.includes('bearerAuth')
        ? 'user'
        : schemes.includes('internalAuth')
          ? 'internal'
          : 'public';
      ops.push({ method: method.toUpperCase(), path, security });
    }
  }
  return ops;
}

/** `/v1/documents/{id}` → `/v1/documents/doc_…`: a well-formed id that exists nowhere. */
export function concretePath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    name === 'tenantId' ? 'ten_nobody' : `x${name.toLowerCase()}0000000000000000000000000`.slice(0, 29),
  );
}

export async function send(cell: TestCell, op: Operation, headers: Record<string, string>) {
  const hasBody = !['GET', 'HEAD', 'DELETE'].includes(op.method);
  const res = await cell.app.request(concretePath(op.path), {
    method: op.method,
    headers: { ...headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
    body: hasBody ? '{}' : undefined,
  });
  const text = await res.text();
  let body: { error?: { code?: string } } | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, body, text };
}
