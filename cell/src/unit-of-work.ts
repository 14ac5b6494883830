import { QuireError, Unauthenticated } from '@quire/shared/errors';
import type postgres from 'postgres';
import { appendInTx } from './audit-trail/append.ts';
import {
  type AuditEntry,
  type AuditInput,
  type AuditOrigin,
  auditEntry,
  auditOrigin,
} from './audit-trail/entry.ts';
import { type ActorRecord, loadActor } from './auth/actor.ts';
import { assertCredentialAllows } from './auth/credentials.ts';
import type { RequestCtx } from './context.ts';
import { type Tx, tenantStatement, withTenantTx } from './db/tenant-tx.ts';

export interface Work<P = undefined> {
  tx: Tx;
  actor: ActorRecord;
  /** Queue an audit entry; it is recorded with the change (or, for reads, before the answer). */
  audit(entry: AuditInput): void;
  /** What `prefetch` read, in the same round trip as the tenant setting and the actor. */
  prefetched: P;
}

export interface WorkOptions<P> {
  /**
   * Reads only: a read-only transaction answered without waiting for its commit; its audit
   * entries go through the group commit and are durable before the caller answers.
   */
  readOnly?: boolean;
  /** Every statement of the work reads one snapshot (see TxOptions). */
  snapshot?: boolean;
  /**
   * The work's first reads, sent with `begin`, the tenant setting and the actor load as one
   * pipeline (one round trip). They must not depend on who the actor is: nothing they return
   * reaches the caller unless the actor then checks out.
   */
  prefetch?: (tx: Tx) => Promise<P>;
  /**
   * The work reads nothing beyond `prefetch` (read-only work): COMMIT goes out with the first
   * statements, so the whole transaction is one write and one round trip. `prefetch` must
   * then create its statements before it first awaits (raw `tx.conn` statements do; a query
   * builder statement is only created when awaited, and would run after the COMMIT: outside
   * the transaction, without a tenant, so it would find nothing).
   */
  prefetchOnly?: boolean;
}

const ignore = () => {};

/**
 * How a verb reaches the database: one tenant transaction that loads the actor (session
 * still live, current role and groups), runs the work, then records its audit entries with
 * the change. A denied attempt rolls the work back but is itself recorded (`access.denied`).
 */
export async function withActor<T, P = never>(
  ctx: RequestCtx,
  work: (w: Work<NoInfer<P>>) => Promise<T>,
  options: WorkOptions<P> = {},
): Promise<T> {
  const trail = auditTrailOf(ctx);
  let appended: Promise<unknown> | undefined;
  return trail.run(options.readOnly ?? false, async () => {
    const result = await withTenantTx(
      ctx.deps.db,
      ctx.tenant.id,
      async (tx) => {
        const actorLoad = loadActor(tx, ctx.claims);
        const prefetch = options.prefetch?.(tx);
        if (options.prefetchOnly && options.readOnly) tx.commitWithPending();
        actorLoad.catch(ignore);
        prefetch?.catch(ignore);
        const actor = await actorLoad;
        trail.actor = actor;
        assertCredentialAllows(actor, ctx.request);
        const value = await work({ tx, actor, audit: trail.audit, prefetched: (await prefetch) as P });
        if (!options.readOnly) {
          // Sent with the commit, not before it: if it fails, the commit becomes a rollback.
          appended = appendInTx(tx, trail.entries());
          appended.catch(ignore);
        }
        return value;
      },
      { readOnly: options.readOnly, snapshot: options.snapshot },
    );
    await appended;
    return result;
  });
}

/**
 * A read done in one statement (`tenantStatement`: a SQL function that sets the tenant,
 * checks the session and reads), audited like withActor's read-only work. `read` returns
 * null when the session is no longer valid.
 */
export async function readAsActor<R, T>(
  ctx: RequestCtx,
  read: (sql: postgres.Sql) => Promise<{ actor: ActorRecord; row: R } | null>,
  work: (w: { actor: ActorRecord; row: R; audit: (e: AuditInput) => void }) => T,
): Promise<T> {
  const trail = auditTrailOf(ctx);
  return trail.run(true, async () => {
    const found = await read(tenantStatement(ctx.deps.db, ctx.tenant.id));
    if (!found) throw new Unauthenticated('session is no longer valid');
    trail.actor = found.actor;
    assertCredentialAllows(found.actor, ctx.request);
    return work({ actor: found.actor, row: found.row, audit: trail.audit });
  });
}

/**
 * The audit side of a unit of work: entries queued by the verb; for read-only work they are
 * appended through the group commit and durable before the caller answers; a denial (not
 * found, forbidden) is recorded the same way before the caller hears "no".
 */
function auditTrailOf(ctx: RequestCtx) {
  const origin = auditOrigin(ctx.tenant.id, ctx);
  const queued: AuditInput[] = [];
  const trail = {
    actor: undefined as ActorRecord | undefined,
    audit: (e: AuditInput) => {
      queued.push(e);
    },
    entries: (): AuditEntry[] => queued.map((e) => auditEntry(origin, trail.actor!.userId, e)),
    async run<T>(readOnly: boolean, unit: () => Promise<T>): Promise<T> {
      try {
        const result = await unit();
        if (readOnly) await ctx.deps.auditTrail.append(trail.entries());
        return result;
      } catch (err) {
        if (
          trail.actor &&
          err instanceof QuireError &&
          (err.code === 'forbidden' || err.code === 'not_found')
        ) {
          await ctx.deps.auditTrail.append([deniedEntry(origin, trail.actor.userId, err)]);
        }
        throw err;
      }
    },
  };
  return trail;
}

function deniedEntry(origin: AuditOrigin, userId: string, err: QuireError): AuditEntry {
  const details =
    err.details && typeof err.details === 'object' ? (err.details as Record<string, unknown>) : {};
  return auditEntry(origin, userId, {
    action: 'access.denied',
    resourceType: String(details.resourceType ?? 'unknown'),
    resourceId: typeof details.resourceId === 'string' ? details.resourceId : null,
    details: { code: err.code },
  });
}
