/** The shared error envelope `{ error: { code, message, requestId, details? } }` as the app sees it. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: unknown;
  constructor(status: number, body: unknown) {
    const e = (body as { error?: { code?: string; message?: string; requestId?: string; details?: unknown } })
      ?.error;
    super(e?.message ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = e?.code ?? (status === 0 ? 'network' : 'http_error');
    this.requestId = e?.requestId;
    this.details = e?.details;
  }
}

/** openapi-fetch's `{ data, error, response }` → data, or a thrown ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok)
    throw new ApiError(result.response.status, result.error);
  return result.data as T;
}

export function errorCode(err: unknown): string {
  return err instanceof ApiError ? err.code : 'network';
}
