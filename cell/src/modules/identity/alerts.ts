import { z } from '@hono/zod-openapi';
import { newId } from '@quire/shared/ids';
import { nameOf } from '../../auth/display-names.ts';
import { adminAlerts } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';

/**
 * Something the tenant's admins must hear about (an SSO bypass). Until the notification path
 * (email) exists, admins see these on GET /v1/identity/alerts; the audit trail records the
 * event itself. What is stored names ids, never people (the name is read when presented, so an
 * erasure leaves none behind). Each alert has a stable `code` with its `params`, which the web
 * app translates; `message` is the English sentence for API users.
 */
export const ALERT_CODES = ['sso_bypass'] as const;
export type AlertCode = (typeof ALERT_CODES)[number];

/** sso_bypass: who signed in with a break-glass account, in which session, from where. */
interface SsoBypass {
  userId: string;
  sessionId: string;
  ip: string | null;
}

export async function raiseAlert(
  tx: Tx,
  tenantId: string,
  alert: { code: 'sso_bypass'; message: string; params: SsoBypass },
): Promise<string> {
  const id = newId('alert');
  await tx.insert(adminAlerts).values({
    tenantId,
    id,
    kind: alert.code,
    message: alert.message,
    details: { ...alert.params },
  });
  return id;
}

export const alertSchema = z
  .object({
    id: z.string(),
    code: z.enum(ALERT_CODES).describe('What happened, stable: translate this, not `message`'),
    params: z
      .object({
        userId: z.string().nullable(),
        userName: z.string().nullable().describe("The user's current name"),
        sessionId: z.string().nullable(),
        ip: z.string().nullable().describe('The address the request came from'),
      })
      .strict()
      .describe('sso_bypass: the break-glass account, its session and address'),
    message: z.string().describe('The same in English, for API users'),
    createdAt: z.string(),
    acknowledgedAt: z.string().nullable(),
    acknowledgedBy: z.string().nullable(),
  })
  .strict()
  .openapi('IdentityAlert');
export type AlertView = z.infer<typeof alertSchema>;

type AlertRow = typeof adminAlerts.$inferSelect;
const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** `names`: the users the alerts name (`displayNames` of their `details.userId`). */
export function presentAlert(a: AlertRow, names: Map<string, string>): AlertView {
  const userId = str(a.details.userId);
  return {
    id: a.id,
    code: a.kind as AlertCode,
    params: {
      userId,
      userName: nameOf(names, userId),
      sessionId: str(a.details.sessionId),
      ip: str(a.details.ip),
    },
    message: a.message,
    createdAt: a.createdAt.toISOString(),
    acknowledgedAt: a.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: a.acknowledgedBy,
  };
}
