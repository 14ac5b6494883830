import { z } from 'zod';
import { TENANT_ID_PATTERN } from './ids.ts';
import { PLAN_IDS } from './plans.ts';

/**
 * The wire contracts between the three deployables: what a cell tells the control plane
 * (registration, heartbeat), what the control plane tells a cell (config) and what the edge
 * pulls (the routing snapshot). Nothing here may carry tenant content or personal data.
 */

export const CELL_ID_PATTERN = /^[a-z0-9-]{2,32}$/;
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,39}$/;
export const REGION_PATTERN = /^[a-z]{2,12}$/;
/**
 * Printable ASCII, the characters of a key id, an issuer or a version: what a cell reports is
 * stored by the control plane and read by the edge, so nothing Postgres refuses (NUL) gets in.
 */
const PRINTABLE = /^[ -~]+$/;
/** A JWK coordinate: base64url (RFC 7518). */
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const keyId = z.string().min(1).max(128).regex(PRINTABLE);
const coordinate = z.string().min(1).max(128).regex(BASE64URL);

export const CELL_STATUSES = ['active', 'draining', 'down'] as const;
export type CellStatus = (typeof CELL_STATUSES)[number];

/**
 * The control plane's view of a tenant's life. `active`, `suspended`, `offboarding` (read-only
 * grace) and `deleted` are in the edge's table: the last two so the edge answers them clearly.
 */
export const TENANT_LIFECYCLE = ['provisioning', 'active', 'suspended', 'offboarding', 'deleted'] as const;
export type TenantLifecycle = (typeof TENANT_LIFECYCLE)[number];

/** One public signing key of a cell, as a JWK with the cell it belongs to. */
export const publicJwkSchema = z
  .object({
    kid: keyId,
    kty: z.literal('EC'),
    crv: z.literal('P-256'),
    x: coordinate,
    y: coordinate,
    alg: z.literal('ES256').optional(),
    use: z.literal('sig').optional(),
  })
  .strip();
export type PublicJwk = z.infer<typeof publicJwkSchema>;

/** A cell's public key for sealed (JWE ECDH-ES+A256KW) payloads. */
export const sealingJwkSchema = z
  .object({
    kid: keyId,
    kty: z.literal('EC'),
    crv: z.literal('P-256'),
    x: coordinate,
    y: coordinate,
    alg: z.literal('ECDH-ES+A256KW').optional(),
    use: z.literal('enc').optional(),
  })
  .strip();
export type SealingJwk = z.infer<typeof sealingJwkSchema>;

export const SEARCH_ENGINES = ['postgres', 'opensearch'] as const;
export type SearchEngine = (typeof SEARCH_ENGINES)[number];

/**
 * The largest tenant (in documents) each search engine serves unless a cell says otherwise
 * (SEARCH_MAX_TENANT_DOCUMENTS). Postgres full-text search slows down with the tenant's size
 * (bench/search: fine to ~50,000 documents on 2 cores); 100,000 is provisional until it is
 * measured on production hardware, and lets a standard plan (100,000 documents) in. OpenSearch
 * has no such limit (null). A cell that does not report its engine (older than this contract)
 * is taken to run the embedded default, Postgres, with this limit.
 */
export const DEFAULT_MAX_TENANT_DOCUMENTS: Record<SearchEngine, number | null> = {
  postgres: 100_000,
  opensearch: null,
};

/** What a cell's search engine can serve: the control plane places tenants by it. */
export const cellSearchSchema = z
  .object({
    engine: z.enum(SEARCH_ENGINES),
    maxTenantDocuments: z
      .number()
      .int()
      .min(1)
      .nullable()
      .describe('The largest tenant, in documents, this engine serves; null = no limit'),
  })
  .strict();
export type CellSearch = z.infer<typeof cellSearchSchema>;

/** One tenant's usage against its counted quotas, as a cell reports it: numbers, never content. */
export const tenantUsageFiguresSchema = z
  .object({
    tenantId: z.string().regex(TENANT_ID_PATTERN),
    storageBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    documents: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    users: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  })
  .strict();
export type TenantUsageFigures = z.infer<typeof tenantUsageFiguresSchema>;

/** Sent by a cell on boot and every heartbeat interval (PUT /v1/cells/{cellId}/heartbeat). */
export const cellHeartbeatSchema = z
  .object({
    region: z.string().regex(REGION_PATTERN),
    baseUrl: z.string().url().max(500),
    version: z.string().min(1).max(64).regex(PRINTABLE),
    capacity: z.number().int().min(0).max(10_000_000).describe('How many tenants this cell may home'),
    tenantCount: z.number().int().min(0),
    /** `iss` of the access tokens this cell signs. */
    issuer: z.string().min(1).max(500).regex(PRINTABLE),
    keys: z.array(publicJwkSchema).max(16).describe('Signing keys the cell currently advertises'),
    /** ECDH-ES P-256 public key the control plane seals personal data to (see sealed.ts). */
    sealingKey: sealingJwkSchema,
    search: cellSearchSchema
      .optional()
      .describe(
        "The cell's search engine and the largest tenant it serves (absent from cells older than this field)",
      ),
    usage: z
      .array(tenantUsageFiguresSchema)
      .max(1_000_000)
      .optional()
      .describe("Each homed tenant's quota usage (absent from cells older than this field)"),
  })
  .strict();
export type CellHeartbeat = z.infer<typeof cellHeartbeatSchema>;

export const routeCellSchema = z.object({
  id: z.string().regex(CELL_ID_PATTERN),
  region: z.string(),
  baseUrl: z.string().url(),
  status: z.enum(CELL_STATUSES),
  /** `iss` of the cell's access tokens: the edge accepts a token only with its cell's issuer. */
  issuer: z.string(),
});
export type RouteCell = z.infer<typeof routeCellSchema>;

export const routeTenantSchema = z.object({
  id: z.string(),
  slug: z.string(),
  region: z.string(),
  cellId: z.string(),
  /** Suspended: 403 at the edge; offboarding: forwarded (the cell refuses changes); deleted: 410 at the edge. */
  status: z.enum(['active', 'suspended', 'offboarding', 'deleted']),
  strictResidency: z.boolean(),
});
export type RouteTenant = z.infer<typeof routeTenantSchema>;

/** A JWK the edge may verify user tokens with, tagged with the cell that signs with it. */
export const routeKeySchema = publicJwkSchema.extend({
  cellId: z.string(),
  /** Unix seconds after which tokens signed with this (retired) key have all expired; null while advertised. */
  retiresAt: z.number().int().nullable(),
});
export type RouteKey = z.infer<typeof routeKeySchema>;

/**
 * GET /v1/edge/snapshot (bearer EDGE_TOKEN, If-None-Match → 304). Everything the edge
 * needs to route and verify, versioned: the version changes whenever any part changes.
 */
export const edgeSnapshotSchema = z.object({
  version: z.string(),
  generatedAt: z.string(),
  cells: z.array(routeCellSchema),
  tenants: z.array(routeTenantSchema),
  keys: z.array(routeKeySchema),
});
export type EdgeSnapshot = z.infer<typeof edgeSnapshotSchema>;

export const flagValueSchema = z.union([z.boolean(), z.number(), z.string()]);

/**
 * GET /v1/cells/{cellId}/config (cell credential, If-None-Match → 304): the plans and
 * per-tenant settings for the tenants homed in that cell. A cell keeps the last one it got.
 */
export const cellConfigSchema = z.object({
  version: z.string(),
  plans: z.record(z.enum(PLAN_IDS), z.record(z.string(), z.number().nullable())),
  tenants: z.array(
    z.object({
      id: z.string(),
      status: z.enum(TENANT_LIFECYCLE),
      plan: z.enum(PLAN_IDS),
      /** Per-tenant plan overrides (same keys as PlanLimits). */
      overrides: z.record(z.string(), z.number().nullable()),
      /** Effective flags: defaults, then plan, then tenant. */
      flags: z.record(z.string(), flagValueSchema),
    }),
  ),
});
export type CellConfig = z.infer<typeof cellConfigSchema>;
