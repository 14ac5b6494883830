import { sql } from 'drizzle-orm';
import { appendInTx } from '../../../audit-trail/append.ts';
import { auditEntry } from '../../../audit-trail/entry.ts';
import { type ActorRecord, actingFor } from '../../../auth/actor.ts';
import { displayNames, nameOf } from '../../../auth/display-names.ts';
import { readableResources } from '../../../auth/visible.ts';
import type { CellDeps } from '../../../context.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import type { NotificationRow } from '../repo.ts';
import { composeMail } from './compose.ts';
import type { Mailer } from './mailer.ts';

/** A mail waits for more notifications until its first one is due; this much early is on time. */
const SLACK_MS = 1_000;

export interface DigestResult {
  sent: number;
  skipped: number;
}

/**
 * The job entry point for one user's mail (small and per tenant, so a fair scheduler can take
 * it over): every pending notification of the user goes into one mail once the earliest is
 * due, so a busy thread makes a digest, not fifty mails. At send time, each notification about
 * a folder or document is checked against what the user may read now; those they no longer
 * may are left out (`skipped`), as is everything when the user is inactive or no SMTP server
 * is configured. Rows are locked while the mail goes out: two workers never send the same
 * notification; a crash after sending and before the commit sends it again (at least once).
 */
export async function sendEmailDigest(
  deps: CellDeps,
  mailer: Mailer,
  job: { tenantId: string; userId: string },
): Promise<DigestResult> {
  return withTenantTx(deps.db, job.tenantId, async (tx) => {
    const rows = (await tx.execute(sql`
      select * from notifications
      where tenant_id = ${job.tenantId} and user_id = ${job.userId} and email_state = 'pending'
      order by id for update skip locked`)) as unknown as Record<string, unknown>[];
    const pending: NotificationRow[] = rows.map(toRow);
    if (pending.length === 0) return { sent: 0, skipped: 0 };
    const earliest = Math.min(...pending.map((n) => n.emailDueAt?.getTime() ?? 0));
    if (earliest > Date.now() + SLACK_MS) return { sent: 0, skipped: 0 };

    const [user] = await tx.execute<{
      email: string;
      name: string;
      role: ActorRecord['role'];
      status: string;
      groups: string[];
    }>(sql`
      select u.email, u.name, u.role, u.status,
        coalesce(array_agg(gm.group_id) filter (where gm.group_id is not null), '{}') as groups
      from users u left join group_members gm on gm.tenant_id = u.tenant_id and gm.user_id = u.id
      where u.tenant_id = ${job.tenantId} and u.id = ${job.userId}
      group by u.email, u.name, u.role, u.status`);
    let shown: NotificationRow[] = [];
    if (user && user.status === 'active' && mailer.enabled) {
      const actor = actingFor({
        userId: job.userId,
        role: user.role,
        principalIds: [job.userId, ...user.groups],
      });
      const refs = pending.flatMap((n) =>
        (n.resourceType === 'document' || n.resourceType === 'folder') && n.resourceId
          ? [{ type: n.resourceType, id: n.resourceId } as const]
          : [],
      );
      const readable = await readableResources(tx, job.tenantId, actor, refs);
      shown = pending.filter(
        (n) =>
          !(n.resourceType === 'document' || n.resourceType === 'folder') ||
          (n.resourceId !== null && readable.has(n.resourceId)),
      );
    }
    const shownIds = new Set(shown.map((n) => n.id));
    const skipped = pending.filter((n) => !shownIds.has(n.id));
    if (shown.length > 0) {
      const names = await displayNames(
        tx,
        job.tenantId,
        shown.map((n) => n.actorId),
      );
      const mail = composeMail(
        user!.name,
        shown.map((row) => ({ row, actorName: nameOf(names, row.actorId) })),
        deps.collab.publicBaseUrl ?? null,
      );
      await mailer.send({ to: user!.email, ...mail });
    }
    const mark = async (ids: string[], state: 'sent' | 'skipped') => {
      if (ids.length === 0) return;
      await tx.execute(sql`
        update notifications set email_state = ${state}
        where tenant_id = ${job.tenantId} and id = any(${`{${ids.join(',')}}`}::text[])`);
    };
    await mark([...shownIds], 'sent');
    await mark(
      skipped.map((n) => n.id),
      'skipped',
    );
    await appendInTx(tx, [
      auditEntry(
        { tenantId: job.tenantId, requestId: null, ip: null, userAgent: null },
        'notification-mailer',
        {
          action: 'notification.emailed',
          resourceType: 'user',
          resourceId: job.userId,
          details: { sent: shownIds.size, skipped: skipped.length, notificationIds: [...shownIds] },
        },
        'system',
      ),
    ]);
    return { sent: shownIds.size, skipped: skipped.length };
  });
}

/** Users of a tenant with a mail due (for the sweep that catches lost jobs). */
export async function usersWithMailDue(deps: CellDeps, tenantId: string): Promise<string[]> {
  const rows = await withTenantTx(
    deps.db,
    tenantId,
    (tx) =>
      tx.execute<{ user_id: string }>(sql`
        select distinct user_id from notifications
        where tenant_id = ${tenantId} and email_state = 'pending' and email_due_at <= now()
        limit 1000`),
    { readOnly: true },
  );
  return rows.map((r) => r.user_id);
}

function toRow(r: Record<string, unknown>): NotificationRow {
  return {
    tenantId: r.tenant_id as string,
    id: r.id as string,
    userId: r.user_id as string,
    kind: r.kind as string,
    actorId: (r.actor_id as string | null) ?? null,
    resourceType: (r.resource_type as string | null) ?? null,
    resourceId: (r.resource_id as string | null) ?? null,
    data: (r.data as Record<string, unknown>) ?? {},
    createdAt: new Date(r.created_at as string),
    readAt: r.read_at ? new Date(r.read_at as string) : null,
    inApp: Boolean(r.in_app),
    emailState: r.email_state as NotificationRow['emailState'],
    emailDueAt: r.email_due_at ? new Date(r.email_due_at as string) : null,
  };
}
