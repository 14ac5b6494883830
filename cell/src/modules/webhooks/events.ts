import { newId } from '@quire/shared/ids';
import { sql } from 'drizzle-orm';
import type { CellDeps } from '../../context.ts';
import type { Tx } from '../../db/tenant-tx.ts';

/** What a tenant's webhooks can subscribe to. Payloads carry ids, never content: fetch details through the API. */
export const WEBHOOK_EVENTS = [
  'comment.created',
  'comment.deleted',
  'grant.created',
  'share_link.created',
  'share_link.revoked',
  'access_request.created',
  'bulk_job.finished',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface Emitted {
  tenantId: string;
  deliveryIds: string[];
}

/**
 * Records a delivery for every active webhook of the tenant subscribed to the event, in the
 * caller's transaction (the event and its deliveries commit together); after the commit,
 * `dispatch()` queues them for the worker.
 */
export async function emitEvent(
  tx: Tx,
  tenantId: string,
  event: WebhookEvent,
  data: Record<string, string | number | boolean | null>,
): Promise<Emitted> {
  const payload = { event, occurredAt: new Date().toISOString(), tenantId, data };
  const rows = await tx.execute<{ id: string }>(sql`
    insert into webhook_deliveries (tenant_id, id, webhook_id, event, payload)
    select w.tenant_id, ${newId('webhookDelivery')} || '-' || w.id, w.id, ${event}, ${JSON.stringify(payload)}::jsonb
    from webhooks w where w.tenant_id = ${tenantId} and w.active and ${event} = any(w.events)
    returning id`);
  return { tenantId, deliveryIds: rows.map((r) => r.id) };
}

export function dispatch(deps: Pick<CellDeps, 'collabQueue'>, emitted: Emitted | undefined): void {
  for (const id of emitted?.deliveryIds ?? []) deps.collabQueue.webhook(emitted!.tenantId, id);
}
