import type { z } from '@hono/zod-openapi';
import { QuireError } from '@quire/shared/errors';
import { idOfPrefix } from '@quire/shared/input/ids';
import {
  errorResponse,
  hasBody,
  hasInput,
  hasJsonBody,
  openApiRouter,
  type StackResponse,
  securedBy,
} from '@quire/shared/openapi';
import type { AppEnv } from '../context.ts';

/** One Hono instance per resource file, all sharing the validation hook (see shared/openapi.ts). */
export const router = () => openApiRouter<AppEnv>();

export { errorResponse, errorSchema, json } from '@quire/shared/openapi';

const err = errorResponse;

/** The error responses every authenticated route can give. */
export const commonErrors = {
  400: err('Invalid input'),
  401: err('Missing, invalid or expired token'),
  403: err('Not allowed, tenant suspended, or a change while the tenant is offboarding (tenant_offboarding)'),
  404: err('Not found, or not visible to the caller'),
  421: err('Tenant is not homed in this cell'),
  429: err("Rate limited (rate_limited): the plan's calls per minute, or a user's; Retry-After says when"),
} as const;

/** A write that counts against a plan quota: 403 `quota_exceeded` with `details: { resource, limit, used }`. */
export const quotaErrors = (resources: string) => ({
  403: err(`Not allowed, tenant suspended, or the plan's ${resources} quota is used up (quota_exceeded)`),
});

/** An upload: larger than the plan's largest file (413 with `details: { resource: "fileSize", limit, used }`). */
export const uploadTooLarge = {
  413: err("The file is larger than the plan's largest file (payload_too_large)"),
} as const;

/** A 409 `conflict`, saying when. */
export const conflict = (when: string) => ({ 409: err(`Conflicts with the current state: ${when}`) });

/**
 * What the cell's middleware stack answers on every route it applies to (app.ts): the edge
 * assertion check (401 on anything but /internal), the JSON body limit (413), validation
 * (400), on user routes the token, tenant and home-cell checks (401, 403, 421), and on every
 * route a dependency outage (503 with Retry-After, shared/src/outage-errors.ts).
 */
export const stackResponses: readonly StackResponse[] = [
  { status: 400, description: 'Invalid input (validation_failed)', appliesTo: hasInput },
  {
    status: 401,
    description: 'Missing or invalid credential, or an edge assertion that does not verify',
    appliesTo: () => true,
  },
  {
    status: 403,
    description:
      'Tenant suspended, a change while the tenant is offboarding (tenant_offboarding: read-only), or a token of another tenant than the request was routed for',
    appliesTo: securedBy('bearerAuth'),
  },
  { status: 413, description: 'The request body is too large (payload_too_large)', appliesTo: hasBody },
  {
    status: 415,
    description: 'The body is not application/json (unsupported_media_type)',
    appliesTo: hasJsonBody,
  },
  { status: 421, description: 'Tenant is not homed in this cell', appliesTo: securedBy('bearerAuth') },
  {
    // shared/src/outage-errors.ts: any route's Postgres, Redis, S3/KMS or search engine.
    status: 503,
    description:
      'A dependency of the cell is down (unavailable): retry after the Retry-After header; nothing was changed',
    appliesTo: () => true,
  },
];

/** A change refused because of the current state (last admin, already enrolled…). */
export const conflictError = err('Conflicts with the current state');

/**
 * A 409 whose `details.reason` names the rule that refused the change, each reason with when it
 * applies, in the one error envelope (as the control plane declares its reasons). Another 409 of
 * the same route carries no reason.
 */
export function conflictReasons(reasons: Record<string, string>) {
  const why = Object.entries(reasons)
    .map(([reason, when]) => `${reason} (${when})`)
    .join('; ');
  return { 409: err(`Conflicts with the current state; details.reason: ${why}`) };
}

export const bearer = [{ bearerAuth: [] }];

/** An id path or query parameter of one kind (`doc_…`); see shared/input/ids.ts. */
export function idParam(prefix: string, description: string) {
  return idOfPrefix(prefix, description);
}

/** Opaque cursors (search's): base64url JSON, validated on the way back in. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (!cursor) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new QuireError('validation_failed', 'request is invalid', [
      { path: 'cursor', message: 'invalid cursor' },
    ]);
  return parsed.data;
}
