import { z } from 'zod';

/** A 32-byte key given as 64 hex characters or as base64/base64url (43-44 characters). */
function parseKey(value: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const buf = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return buf.length === 32 ? buf : null;
  }
  return null;
}

/** The control plane's whole configuration, validated once at boot: a bad value stops the process with a clear message. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8070),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .url()
    .describe('Postgres URL of the control plane app role (not superuser, not owner)'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(100).default(10),
  OPS_BOOTSTRAP_TOKEN: z
    .string()
    .min(32)
    .describe('A platform-admin ops token, to issue the first real ones'),
  EDGE_TOKEN: z.string().min(32).describe('The edge credential on GET /v1/edge/*'),
  SECRET_KEY: z
    .string()
    .transform((v, ctx) => {
      const key = parseKey(v.trim());
      if (!key) {
        ctx.addIssue({ code: 'custom', message: 'must be 32 bytes as 64 hex or base64 characters' });
        return z.NEVER;
      }
      return key;
    })
    .describe('Encrypts cell credentials at rest (AES-256-GCM)'),
  METRICS_TOKEN: z
    .string()
    .min(32)
    .optional()
    .describe('Bearer credential of GET /internal/metrics (Prometheus); unset: no metrics endpoint'),
  METRICS_TOP_TENANTS: z.coerce.number().int().min(0).max(1000).default(20),
  HEARTBEAT_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  /** Days an offboarding tenant stays read-only (reactivation possible) before its deletion. */
  OFFBOARDING_GRACE_DAYS: z.coerce.number().int().min(0).max(365).default(30),
  SWEEP_INTERVAL_SECONDS: z.coerce
    .number()
    .min(0.1)
    .max(300)
    .optional()
    .describe(
      'How often cells are checked for missed heartbeats (default: a third of the timeout, at most 5 s)',
    ),
  RESUME_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(3600).default(5),
  CELL_CALL_TIMEOUT_SECONDS: z.coerce.number().min(0.5).max(120).default(15),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  ADMIN_UI_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('The built sales-ops admin page (web/dist/ops), served under /admin/; unset: no page'),
  NODE_ENV: z.string().optional(),
  CP_FAILPOINT: z.enum(['after-cell-provisioned']).optional().describe('Tests only: crash at this point'),
});

export type CpEnv = z.infer<typeof envSchema>;

export function parseEnv(source: Record<string, string | undefined> = process.env): CpEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid control plane configuration:\n${lines}`);
  }
  return parsed.data;
}
