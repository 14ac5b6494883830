/**
 * One error vocabulary for every Quire service. Domain code throws `QuireError`
 * subclasses that know nothing about HTTP; each app maps them once, in its
 * `onError`, to the wire envelope `{ error: { code, message, requestId, details? } }`.
 */
export const ERROR_CODES = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  tenant_suspended: 403,
  /** The tenant is offboarding (grace period): reads and sign-in work, every change is refused. */
  tenant_offboarding: 403,
  /** A token of one tenant presented on another tenant's hostname or share link. */
  tenant_mismatch: 403,
  /** A plan quota (storage, documents, users) is used up: `details` says which, its limit and the usage. */
  quota_exceeded: 403,
  not_found: 404,
  /** The edge knows no tenant by that id or slug. */
  tenant_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  /** The tenant was offboarded and its data deleted. */
  tenant_deleted: 410,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  misdirected_request: 421,
  /** A WebSocket route asked without the upgrade (RFC 9110 §15.5.22). */
  upgrade_required: 426,
  /** A search the query guard refuses as too expensive (or one that ran past the plan's timeout). */
  query_too_costly: 422,
  limit_exceeded: 429,
  /** The tenant's background queue holds as many jobs as its plan allows; try again later. */
  queue_full: 429,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId?: string; details?: unknown };
}

export class QuireError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'QuireError';
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return ERROR_CODES[this.code];
  }
}

/** Something the caller may not see, or that does not exist: the two are indistinguishable on purpose. */
export class NotFound extends QuireError {
  constructor(what = 'resource', details?: unknown) {
    super('not_found', `${what} not found`, details);
  }
}

/** The caller can see the resource but may not do this to it. */
export class Forbidden extends QuireError {
  constructor(message = 'you do not have permission to do this', details?: unknown) {
    super('forbidden', message, details);
  }
}

export class Unauthenticated extends QuireError {
  constructor(message = 'authentication required', details?: unknown) {
    super('unauthenticated', message, details);
  }
}

export class Conflict extends QuireError {
  constructor(message: string, details?: unknown) {
    super('conflict', message, details);
  }
}

export class BadRequest extends QuireError {
  constructor(message: string, details?: unknown) {
    super('bad_request', message, details);
  }
}

export class PreconditionFailed extends QuireError {
  constructor(message: string, details?: unknown) {
    super('precondition_failed', message, details);
  }
}

export class LimitExceeded extends QuireError {
  constructor(message: string, details?: unknown) {
    super('limit_exceeded', message, details);
  }
}

/**
 * A limit counted in units held right now (queued jobs, concurrent uploads): `details` says
 * the limit, how many are used and in how many seconds one may free (`Retry-After`).
 */
export interface HeldLimitDetails {
  limit: number;
  used: number;
  /** Seconds until a unit may free up (also sent as Retry-After). */
  retryAfter: number;
  [more: string]: unknown;
}

/** The tenant's background queue is full (per-tenant depth limit of the job scheduler). */
export class QueueFull extends QuireError {
  constructor(message: string, details: HeldLimitDetails) {
    super('queue_full', message, details);
  }
}

/** The query guard's refusal: the message says what to change (a longer prefix, fewer terms…). */
export class QueryTooCostly extends QuireError {
  constructor(message: string, details?: unknown) {
    super('query_too_costly', message, details);
  }
}

export class PayloadTooLarge extends QuireError {
  constructor(message: string, details?: unknown) {
    super('payload_too_large', message, details);
  }
}

/** What a quota or rate-limit refusal tells the caller: which resource, its limit, the usage, when it frees up. */
export interface QuotaDetails {
  resource: string;
  limit: number;
  used: number;
  /** Seconds until enough frees up to try again (rate limits); absent when only a deletion frees it. */
  retryAfter?: number;
}

/** A plan quota is used up (403); nothing of the refused change was kept. */
export class QuotaExceeded extends QuireError {
  constructor(message: string, details: QuotaDetails) {
    super('quota_exceeded', message, details);
  }
}

export class RateLimited extends QuireError {
  readonly retryAfterSeconds: number;
  constructor(
    retryAfterSeconds: number,
    message = 'too many requests',
    quota?: Omit<QuotaDetails, 'retryAfter'>,
  ) {
    super('rate_limited', message, {
      retryAfterSeconds,
      ...(quota ? { ...quota, retryAfter: retryAfterSeconds } : {}),
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A dependency of the service (its database, Redis, search engine, blob store) is down for a moment: retry. */
export class Unavailable extends QuireError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = 'temporarily unavailable; retry shortly') {
    super('unavailable', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function errorBody(
  code: ErrorCode,
  message: string,
  requestId?: string,
  details?: unknown,
): ErrorBody {
  const error: ErrorBody['error'] = { code, message };
  if (requestId) error.requestId = requestId;
  if (details !== undefined) error.details = details;
  return { error };
}
