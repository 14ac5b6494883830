import { QuireError } from '@quire/shared/errors';
import type { RequestCtx } from './context.ts';
import { type Tx, type TxOptions, withTenantTx } from './db/tenant-tx.ts';
import { type AuditEntry, type AuditInput, appendAudit } from './modules/audit/record.ts';
import { type ActorRecord, loadActor } from './modules/identity/actor.ts';

export interface Work {
  tx: Tx;
  actor: ActorRecord;
  /** Queue an audit entry; it is appended last, in the same transaction as the change. */
  audit(entry: AuditInput): void;
}

/**
 * How a verb reaches the database: one tenant transaction that loads the actor, runs
 * the work, then appends its audit entries before commit. A denied attempt rolls the
 * work back but is itself recorded (`access.denied`), in a transaction of its own.
 */
export async function withActor<T>(
  ctx: RequestCtx,
  work: (w: Work) => Promise<T>,
  options?: TxOptions,
): Promise<T> {
  let actor: ActorRecord | undefined;
  try {
    return await withTenantTx(
      ctx.deps.db,
      ctx.tenant.id,
      async (tx) => {
        actor = await loadActor(tx, ctx.claims);
        const queued: AuditInput[] = [];
        const result = await work({ tx, actor, audit: (e) => queued.push(e) });
        await appendAudit(
          tx,
          queued.map((e) => entryFor(ctx, actor!.userId, e)),
        );
        return result;
      },
      options,
    );
  } catch (err) {
    if (actor && err instanceof QuireError && (err.code === 'forbidden' || err.code === 'not_found')) {
      await recordDenied(ctx, actor.userId, err).catch((e) =>
        ctx.deps.log.error('audit of denial failed', { e: String(e) }),
      );
    }
    throw err;
  }
}

export function entryFor(
  ctx: RequestCtx | Omit<RequestCtx, 'claims'>,
  actorId: string,
  e: AuditInput,
  actorType: AuditEntry['actorType'] = 'user',
): AuditEntry {
  return {
    ...e,
    actorType,
    actorId,
    ip: ctx.client.ip,
    userAgent: ctx.client.userAgent,
    requestId: ctx.requestId,
  };
}

async function recordDenied(ctx: RequestCtx, userId: string, err: QuireError) {
  const details =
    err.details && typeof err.details === 'object' ? (err.details as Record<string, unknown>) : {};
  await withTenantTx(
    ctx.deps.db,
    ctx.tenant.id,
    (tx) =>
      appendAudit(tx, [
        entryFor(ctx, userId, {
          action: 'access.denied',
          resourceType: String(details.resourceType ?? 'unknown'),
          resourceId: typeof details.resourceId === 'string' ? details.resourceId : null,
          details: { code: err.code },
        }),
      ]),
    { readAccessOnly: true },
  );
}
