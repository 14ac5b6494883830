import { z } from 'zod';

/** The cell's whole configuration, validated once at boot: a bad value stops the process with a clear message. */
const envSchema = z
  .object({
    CELL_ID: z
      .string()
      .regex(/^[a-z0-9-]{2,32}$/)
      .describe('This cell, e.g. us-1'),
    CELL_REGION: z.string().min(2).describe('Region the cell serves, e.g. us'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: z.string().url().describe('Postgres URL of the app role (not superuser, not owner)'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
    REDIS_URL: z.string().url(),
    BLOB_STORE: z.enum(['fs', 's3']).default('fs'),
    BLOB_DIR: z.string().optional(),
    S3_ENDPOINT: z.string().url().optional(),
    S3_BUCKET: z.string().optional(),
    S3_REGION: z.string().default('us-east-1'),
    KEYRING: z.enum(['local', 'kms']).default('local'),
    KEYRING_DIR: z.string().optional(),
    KMS_ENDPOINT: z.string().url().optional(),
    KMS_REGION: z.string().default('us-east-1'),
    JWT_ISSUER: z
      .string()
      .min(1)
      .describe('iss of tokens this cell issues, e.g. https://us-1.cells.quire.example'),
    JWT_AUDIENCE: z.string().min(1).default('quire'),
    SIGNING_KEY_FILE: z
      .string()
      .describe('JSON file of this cell signing keys (created on first boot when absent)'),
    INTERNAL_API_TOKEN: z.string().min(32).describe('Credential of the control plane on the internal API'),
    TRUST_PROXY: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.BLOB_STORE === 'fs' && !env.BLOB_DIR)
      ctx.addIssue({ code: 'custom', message: 'BLOB_DIR is required', path: ['BLOB_DIR'] });
    if (env.BLOB_STORE === 's3' && !env.S3_BUCKET)
      ctx.addIssue({ code: 'custom', message: 'S3_BUCKET is required', path: ['S3_BUCKET'] });
    if (env.KEYRING === 'local' && !env.KEYRING_DIR)
      ctx.addIssue({ code: 'custom', message: 'KEYRING_DIR is required', path: ['KEYRING_DIR'] });
  });

export type CellEnv = z.infer<typeof envSchema>;

export function parseEnv(source: Record<string, string | undefined> = process.env): CellEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid cell configuration:\n${lines}`);
  }
  return parsed.data;
}
