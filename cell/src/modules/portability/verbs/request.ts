import { Forbidden, NotFound } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { and, eq, ne, sql } from 'drizzle-orm';
import { appendInTx } from '../../../audit-trail/append.ts';
import { auditEntry, auditOrigin } from '../../../audit-trail/entry.ts';
import type { CellDeps, RequestCtx } from '../../../context.ts';
import { portabilityExports } from '../../../db/schema/index.ts';
import { type Tx, withTenantTx } from '../../../db/tenant-tx.ts';
import { withActor } from '../../../unit-of-work.ts';
import { presentExport } from '../presenter.ts';
import { spendExportBudget } from '../rate.ts';

async function documentCount(tx: Tx, tenantId: string, subject: string | null): Promise<number> {
  const [r] = await tx.execute<{ n: string }>(sql`
    select count(*) as n from document_versions v
    join documents d on d.tenant_id = v.tenant_id and d.id = v.document_id
    where v.tenant_id = ${tenantId}${subject ? sql` and d.created_by = ${subject}` : sql``}`);
  return Number(r?.n ?? 0);
}

/**
 * A portability export, asked by a user for their own data, or by an admin for any user's or
 * for the whole tenant's. Counted against the plan's export rate (documents per hour), then
 * made in the background (progress on the row); answers the queued export.
 */
export async function requestExport({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { scope: 'user' | 'tenant'; userId?: string | undefined };
}) {
  const tenantId = ctx.tenant.id;
  const row = await withActor(ctx, async ({ tx, actor, audit }) => {
    let subject: string | null = null;
    if (input.scope === 'tenant') {
      if (actor.role !== 'admin') throw new Forbidden('only admins export the whole tenant');
    } else {
      subject = input.userId ?? actor.userId;
      if (subject !== actor.userId && actor.role !== 'admin')
        throw new Forbidden("only admins export another user's data");
      const [u] = await tx.execute<{ id: string }>(
        sql`select id from users where tenant_id = ${tenantId} and id = ${subject}`,
      );
      if (!u) throw new NotFound('user', { resourceType: 'user', resourceId: subject });
    }
    const total = await documentCount(tx, tenantId, subject);
    await spendExportBudget(ctx.deps, tenantId, total, ctx.tenant.limits.exportDocsPerHour);
    const [created] = await tx
      .insert(portabilityExports)
      .values({
        tenantId,
        id: newId('portabilityExport'),
        scope: input.scope,
        subjectUserId: subject,
        requestedBy: actor.userId,
        progressTotal: total,
      })
      .returning();
    audit({
      action: 'portability.export_requested',
      resourceType: 'portability_export',
      resourceId: created!.id,
      details: { scope: input.scope, subjectUserId: subject, documents: total },
    });
    return created!;
  });
  ctx.deps.collabQueue.portability(tenantId, row.id);
  return presentExport(row);
}

/**
 * The tenant export made when offboarding starts: the customer's copy of everything, for its
 * admins to download during the grace period. Not counted against the export rate. Idempotent:
 * one per offboarding (a failed one is made again).
 */
export async function requestOffboardingExport(deps: CellDeps, tenantId: string): Promise<string> {
  const row = await withTenantTx(deps.db, tenantId, async (tx) => {
    const [existing] = await tx
      .select()
      .from(portabilityExports)
      .where(
        and(
          eq(portabilityExports.tenantId, tenantId),
          eq(portabilityExports.reason, 'offboarding'),
          ne(portabilityExports.status, 'failed'),
        ),
      );
    if (existing && (existing.expiresAt === null || existing.expiresAt > new Date())) return existing;
    const [created] = await tx
      .insert(portabilityExports)
      .values({
        tenantId,
        id: newId('portabilityExport'),
        scope: 'tenant',
        requestedBy: 'control-plane',
        reason: 'offboarding',
        progressTotal: await documentCount(tx, tenantId, null),
      })
      .returning();
    await appendInTx(tx, [
      auditEntry(
        auditOrigin(tenantId, {
          requestId: `offboarding-${created!.id}`,
          client: { ip: null, userAgent: null },
        }),
        'control-plane',
        {
          action: 'portability.export_requested',
          resourceType: 'portability_export',
          resourceId: created!.id,
          details: { scope: 'tenant', reason: 'offboarding' },
        },
        'internal',
      ),
    ]);
    return created!;
  });
  deps.collabQueue.portability(tenantId, row.id);
  return row.id;
}
