import { z } from 'zod';
import { emailSchema, lineSchema, textSchema } from './input/text.ts';
import { ISOLATION_TIERS, PLAN_IDS } from './plans.ts';
import { publicJwkSchema, SLUG_PATTERN, sealingJwkSchema } from './routing.ts';
import { TENANT_STATUSES } from './tenancy.ts';
import { tenantSecretSchema } from './tenant-secrets.ts';

/**
 * The cell's internal API, which only the control plane calls (bearer: the cell's credential):
 * `PUT|PATCH|GET /internal/v1/tenants/{tenantId}` and `GET /internal/v1/cell`. One contract for
 * both sides: the cell validates requests and documents its routes with these schemas, the
 * control plane parses every reply with them (a reply that does not match is refused, never cast).
 * Plain zod, so the edge-free Node sides and the OpenAPI generators all read the same thing.
 */

export const internalTenantPath = (tenantId: string) =>
  `/internal/v1/tenants/${encodeURIComponent(tenantId)}`;
export const INTERNAL_CELL_PATH = '/internal/v1/cell';

/** The first admin in clear: what a sealed admin must open to, or what a standalone cell's caller sends. */
export const provisionAdminSchema = z
  .object({
    email: emailSchema,
    name: lineSchema(200),
    password: textSchema({ min: 12, max: 200 })
      .optional()
      .describe('Initial password; omit to get an invitation token'),
  })
  .strict();
export type ProvisionAdmin = z.infer<typeof provisionAdminSchema>;

/** Five base64url segments: a JWE in compact serialization. */
const JWE_COMPACT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){4}$/;

export const sealedAdminSchema = z
  .object({
    sealed: z
      .string()
      .min(20)
      .max(20_000)
      .regex(JWE_COMPACT)
      .describe('The admin object sealed to this cell (JWE compact form, purpose provision:<tenantId>)'),
  })
  .strict();

/** PUT /internal/v1/tenants/{tenantId}: provision (idempotent by tenant id). */
export const provisionTenantRequestSchema = z
  .object({
    slug: z.string().regex(SLUG_PATTERN).describe('Subdomain-safe tenant slug'),
    plan: z.enum(PLAN_IDS),
    tier: z.enum(ISOLATION_TIERS).default('pooled'),
    admin: z.union([provisionAdminSchema, sealedAdminSchema]),
  })
  .strict();
export type ProvisionTenantRequest = z.input<typeof provisionTenantRequestSchema>;

/** A tenant as the cell holds it: the answer of PATCH and GET, and part of the PUT answer. */
export const internalTenantSchema = z.object({
  id: z.string().min(1),
  slug: z.string().min(1),
  status: z.enum(TENANT_STATUSES),
  plan: z.enum(PLAN_IDS),
  tier: z.enum(ISOLATION_TIERS),
});
export type InternalTenant = z.infer<typeof internalTenantSchema>;

export const provisionTenantResultSchema = z.object({
  tenant: internalTenantSchema,
  adminUserId: z.string().min(1),
  invitationToken: tenantSecretSchema
    .nullable()
    .describe('Hand to the first admin to set a password; null once accepted (or given a password)'),
});
export type ProvisionTenantResult = z.infer<typeof provisionTenantResultSchema>;

/**
 * PATCH /internal/v1/tenants/{tenantId}: suspend, resume (also: reactivate an offboarding tenant) or
 * change the plan. Offboarding has its own call (it checks legal holds and makes the export).
 */
export const updateTenantRequestSchema = z
  .object({ status: z.enum(['active', 'suspended']).optional(), plan: z.enum(PLAN_IDS).optional() })
  .strict();
export type UpdateTenantRequest = z.infer<typeof updateTenantRequestSchema>;

/**
 * POST /internal/v1/tenants/{tenantId}/offboarding: the tenant goes read-only (the grace period)
 * and its export for the customer is started; 409 (details.reason legal_hold) while a hold is active.
 * Idempotent: again on an offboarding tenant answers the same export.
 */
export const internalOffboardingPath = (tenantId: string) => `${internalTenantPath(tenantId)}/offboarding`;
export const beginOffboardingResultSchema = z.object({
  tenant: internalTenantSchema,
  exportId: z.string().nullable().describe('The tenant export made for the customer (portability)'),
});
export type BeginOffboardingResult = z.infer<typeof beginOffboardingResultSchema>;

/**
 * DELETE /internal/v1/tenants/{tenantId}: the purge of an offboarded tenant (every row, blob,
 * index entry, Redis key; then its key destroyed). 200 once done (again: the same answer),
 * 202 while it runs (call again). What stays is this anonymised summary: counts and dates.
 */
export const purgeTenantResultSchema = z.object({
  tenantId: z.string().min(1),
  state: z.enum(['deleting', 'deleted']),
  summary: z
    .record(z.string(), z.union([z.number(), z.string(), z.null()]))
    .nullable()
    .describe('Counts and dates only (no personal data); null while deleting'),
});
export type PurgeTenantResult = z.infer<typeof purgeTenantResultSchema>;

/** GET /internal/v1/cell: the cell as it presents itself (what its heartbeat advertises). */
export const cellStateSchema = z.object({
  cellId: z.string().min(1),
  issuer: z.string().min(1),
  keys: z.array(publicJwkSchema),
  sealingKey: sealingJwkSchema,
  configVersion: z.string().nullable(),
});
export type CellState = z.infer<typeof cellStateSchema>;
