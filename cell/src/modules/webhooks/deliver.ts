import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { CellDeps } from '../../context.ts';
import { withTenantTx } from '../../db/tenant-tx.ts';
import { openSecret } from './secret.ts';
import { assertDeliverable } from './target.ts';

export const MAX_ATTEMPTS = 8;
const TIMEOUT_MS = 10_000;
const MAX_BACKOFF_SECONDS = 3600;

/** The signature a receiver checks: HMAC-SHA256 over `<timestamp>.<body>` with the webhook's secret. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * The job entry point for one delivery (small and per tenant). POSTs the signed payload; a 2xx
 * is delivered, anything else (or no answer in 10 s) is retried with exponential backoff, and
 * after 8 attempts the delivery is failed. Every attempt is in the delivery log (status code or
 * error class, never the response body). Concurrent runs of one delivery: the row lock lets one
 * through.
 */
export async function deliverWebhook(
  deps: CellDeps,
  job: { tenantId: string; deliveryId: string },
): Promise<void> {
  const { tenantId, deliveryId } = job;
  const next = await withTenantTx(deps.db, tenantId, async (tx) => {
    const [d] = await tx.execute<{
      id: string;
      event: string;
      payload: unknown;
      attempts: number;
      url: string;
      active: boolean;
      webhook_id: string;
      secret_ciphertext: Buffer;
      secret_wrapped_key: Buffer;
    }>(sql`
      select d.id, d.event, d.payload, d.attempts, w.url, w.active, w.id as webhook_id,
             w.secret_ciphertext, w.secret_wrapped_key
      from webhook_deliveries d join webhooks w on w.tenant_id = d.tenant_id and w.id = d.webhook_id
      where d.tenant_id = ${tenantId} and d.id = ${deliveryId} and d.status = 'pending' and d.next_attempt_at <= now() + interval '1 second'
      for update of d skip locked`);
    if (!d) return null;
    const body = JSON.stringify(d.payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    let status: number | null = null;
    let error: string | null = null;
    if (!d.active) error = 'webhook disabled';
    else {
      try {
        const url = await assertDeliverable(d.url, deps.collab.webhookAllowPrivateTargets);
        const secret = await openSecret(deps.keyring, tenantId, d.webhook_id, {
          secretCiphertext: d.secret_ciphertext,
          secretWrappedKey: d.secret_wrapped_key,
        });
        const res = await fetch(url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(TIMEOUT_MS),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Quire-Webhooks/1',
            'x-quire-event': d.event,
            'x-quire-delivery': d.id,
            'x-quire-timestamp': timestamp,
            'x-quire-signature': signature(secret, timestamp, body),
          },
          body,
        });
        status = res.status;
        await res.body?.cancel().catch(() => {});
      } catch (err) {
        error = err instanceof Error ? err.name : 'error';
        if (err instanceof Error && err.name === 'QuireError')
          error = 'target refused (private or not https)';
      }
    }
    const attempts = d.attempts + 1;
    const ok = status !== null && status >= 200 && status < 300;
    const giveUp = !ok && (attempts >= MAX_ATTEMPTS || !d.active);
    const delay = Math.min(MAX_BACKOFF_SECONDS, deps.collab.webhookRetryBaseSeconds * 2 ** (attempts - 1));
    await tx.execute(sql`
      update webhook_deliveries set attempts = ${attempts}, last_status = ${status}, last_error = ${error},
        status = ${ok ? 'delivered' : giveUp ? 'failed' : 'pending'},
        delivered_at = ${ok ? sql`now()` : sql`null`},
        next_attempt_at = now() + make_interval(secs => ${ok || giveUp ? 0 : delay})
      where tenant_id = ${tenantId} and id = ${deliveryId}`);
    return ok || giveUp ? null : delay * 1000;
  });
  if (next !== null) deps.collabQueue.webhook(tenantId, deliveryId, next);
}

/** For the sweep: deliveries due whose job was lost. */
export async function dueDeliveries(deps: CellDeps, tenantId: string): Promise<string[]> {
  const rows = await withTenantTx(
    deps.db,
    tenantId,
    (tx) =>
      tx.execute<{ id: string }>(sql`
        select id from webhook_deliveries where tenant_id = ${tenantId} and status = 'pending'
          and next_attempt_at < now() - interval '30 seconds' order by next_attempt_at limit 500`),
    { readOnly: true },
  );
  return rows.map((r) => r.id);
}
