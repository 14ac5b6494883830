/** The admin API as the CLI sees it: a JSON call that fails with an API error or "unreachable". */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export class Unreachable extends Error {
  constructor(url: string, cause: string) {
    super(`control plane unreachable at ${url} (${cause})`);
    this.name = 'Unreachable';
  }
}

export interface ApiClient {
  call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T>;
}

export function apiClient(baseUrl: string, token: string, timeoutMs = 30_000): ApiClient {
  return {
    async call(method, path, body, headers = {}) {
      let res: Response;
      try {
        res = await fetch(new URL(path, baseUrl), {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            'user-agent': 'quire-cli',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new Unreachable(baseUrl, cause?.code ?? cause?.message ?? (err as Error).message);
      }
      const text = await res.text();
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      if (!res.ok) {
        const e = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
        if (!e && res.status >= 500) throw new Unreachable(baseUrl, `HTTP ${res.status}`);
        throw new ApiError(
          res.status,
          e?.code ?? `http_${res.status}`,
          e?.message ?? res.statusText,
          e?.details,
        );
      }
      return json as never;
    },
  };
}
