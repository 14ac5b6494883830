import { newId } from '@quire/shared/ids';
import { adminAlerts } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';

/**
 * Something the tenant's admins must hear about (an SSO bypass). Until the notification path
 * (email) exists, admins see these on GET /v1/identity/alerts; the audit trail records the
 * event itself. Messages name ids, never people.
 */
export async function raiseAlert(
  tx: Tx,
  tenantId: string,
  alert: { kind: string; message: string; details?: Record<string, unknown> },
): Promise<string> {
  const id = newId('alert');
  await tx.insert(adminAlerts).values({
    tenantId,
    id,
    kind: alert.kind,
    message: alert.message,
    details: alert.details ?? {},
  });
  return id;
}
