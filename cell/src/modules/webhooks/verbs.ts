import { randomBytes } from 'node:crypto';
import { Forbidden, NotFound } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { ActorRecord } from '../../auth/actor.ts';
import type { RequestCtx } from '../../context.ts';
import { webhookDeliveries, webhooks } from '../../db/schema/index.ts';
import { withActor } from '../../unit-of-work.ts';
import type { WebhookEvent } from './events.ts';
import { sealSecret } from './secret.ts';
import { assertDeliverable } from './target.ts';

/** Webhooks are the tenant's integration points: its admins manage them (`webhooks.enabled` flag). */
function assertAdmin(ctx: RequestCtx, actor: ActorRecord): void {
  if (actor.role !== 'admin') throw new Forbidden('only tenant admins manage webhooks');
  if (ctx.tenant.flags['webhooks.enabled'] === false)
    throw new Forbidden('webhooks are turned off for your organisation');
}

function present(w: typeof webhooks.$inferSelect) {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    active: w.active,
    createdBy: w.createdBy,
    createdAt: w.createdAt.toISOString(),
  };
}

/** The signing secret is shown once, here; it is kept only encrypted under the tenant's key. */
export async function createWebhook({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { url: string; events: WebhookEvent[] };
}) {
  const url = await assertDeliverable(input.url, ctx.deps.collab.webhookAllowPrivateTargets);
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const id = newId('webhook');
  const sealed = await sealSecret(ctx.deps.keyring, ctx.tenant.id, id, secret);
  return withActor(ctx, async ({ tx, actor, audit }) => {
    assertAdmin(ctx, actor);
    const [row] = await tx
      .insert(webhooks)
      .values({
        tenantId: ctx.tenant.id,
        id,
        url: url.toString(),
        events: [...new Set(input.events)],
        ...sealed,
        createdBy: actor.userId,
      })
      .returning();
    audit({
      action: 'webhook.created',
      resourceType: 'webhook',
      resourceId: id,
      details: { events: row!.events },
    });
    return { ...present(row!), secret };
  });
}

export async function listWebhooks({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      assertAdmin(ctx, actor);
      const rows = await tx
        .select()
        .from(webhooks)
        .where(eq(webhooks.tenantId, ctx.tenant.id))
        .orderBy(desc(webhooks.id));
      return { items: rows.map(present) };
    },
    { readOnly: true },
  );
}

async function own(tx: Parameters<Parameters<typeof withActor>[1]>[0]['tx'], tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.tenantId, tenantId), eq(webhooks.id, id)));
  if (!row) throw new NotFound('webhook', { resourceType: 'webhook', resourceId: id });
  return row;
}

/**
 * Pause or resume a webhook, or change what it subscribes to. A paused webhook records no new
 * deliveries, and the ones still pending fail at their next attempt ("webhook disabled").
 */
export async function updateWebhook({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; active?: boolean; events?: WebhookEvent[] };
}) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    assertAdmin(ctx, actor);
    const row = await own(tx, ctx.tenant.id, input.id);
    const set: Partial<typeof webhooks.$inferInsert> = {};
    if (input.active !== undefined) set.active = input.active;
    if (input.events !== undefined) set.events = [...new Set(input.events)];
    const [saved] = await tx
      .update(webhooks)
      .set(set)
      .where(and(eq(webhooks.tenantId, ctx.tenant.id), eq(webhooks.id, row.id)))
      .returning();
    audit({
      action: 'webhook.updated',
      resourceType: 'webhook',
      resourceId: row.id,
      details: { active: saved!.active, events: saved!.events },
    });
    return present(saved!);
  });
}

export async function deleteWebhook({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  await withActor(ctx, async ({ tx, actor, audit }) => {
    assertAdmin(ctx, actor);
    const row = await own(tx, ctx.tenant.id, input.id);
    await tx.delete(webhooks).where(and(eq(webhooks.tenantId, ctx.tenant.id), eq(webhooks.id, row.id)));
    audit({ action: 'webhook.deleted', resourceType: 'webhook', resourceId: row.id });
  });
}

/** The delivery log: every event sent to the webhook, its attempts and last outcome. */
export async function listDeliveries({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; cursor?: string; limit: number };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      assertAdmin(ctx, actor);
      const hook = await own(tx, ctx.tenant.id, input.id);
      const rows = await tx
        .select()
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.tenantId, ctx.tenant.id),
            eq(webhookDeliveries.webhookId, hook.id),
            input.cursor ? lt(webhookDeliveries.id, input.cursor) : undefined,
          ),
        )
        .orderBy(desc(webhookDeliveries.id))
        .limit(input.limit + 1);
      const page = rows.slice(0, input.limit);
      return {
        items: page.map((d) => ({
          id: d.id,
          event: d.event,
          status: d.status,
          attempts: d.attempts,
          lastStatus: d.lastStatus,
          lastError: d.lastError,
          nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
          createdAt: d.createdAt.toISOString(),
          deliveredAt: d.deliveredAt ? d.deliveredAt.toISOString() : null,
          payload: d.payload,
        })),
        nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null,
      };
    },
    { readOnly: true },
  );
}
