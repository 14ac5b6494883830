import { z } from '@hono/zod-openapi';
import { OPS_ROLES, type OpsRole } from '../../actor.ts';
import type { OpsTokenRow } from '../../db/schema/index.ts';

export const tokenView = z
  .object({
    id: z.string(),
    label: z.string(),
    role: z.enum(OPS_ROLES),
    createdBy: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('OpsToken');

/** Never the token or its hash: the token is shown once, at issue. */
export function presentToken(r: OpsTokenRow): z.infer<typeof tokenView> {
  return {
    id: r.id,
    label: r.label,
    role: r.role as OpsRole,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}
