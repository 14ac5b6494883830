import { and, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import { notificationPreferences, notifications } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import type { EmailMode, NotificationKind, Preference } from './kinds.ts';

export type NotificationRow = typeof notifications.$inferSelect;

export async function insertNotifications(
  tx: Tx,
  rows: (typeof notifications.$inferInsert)[],
): Promise<NotificationRow[]> {
  if (rows.length === 0) return [];
  return tx.insert(notifications).values(rows).returning();
}

/** Saved preferences of these users for these kinds: `${userId}/${kind}` → preference. */
export async function preferencesOf(
  tx: Tx,
  tenantId: string,
  userIds: string[],
  kinds: string[],
): Promise<Map<string, { inApp: boolean; email: EmailMode }>> {
  if (userIds.length === 0) return new Map();
  const rows = await tx
    .select()
    .from(notificationPreferences)
    .where(
      and(
        eq(notificationPreferences.tenantId, tenantId),
        inArray(notificationPreferences.userId, userIds),
        inArray(notificationPreferences.kind, kinds),
      ),
    );
  return new Map(rows.map((r) => [`${r.userId}/${r.kind}`, { inApp: r.inApp, email: r.email }]));
}

export async function userPreferences(tx: Tx, tenantId: string, userId: string): Promise<Preference[]> {
  const rows = await tx
    .select()
    .from(notificationPreferences)
    .where(and(eq(notificationPreferences.tenantId, tenantId), eq(notificationPreferences.userId, userId)));
  return rows.map((r) => ({ kind: r.kind as NotificationKind, inApp: r.inApp, email: r.email }));
}

export async function savePreferences(tx: Tx, tenantId: string, userId: string, prefs: Preference[]) {
  if (prefs.length === 0) return;
  await tx
    .insert(notificationPreferences)
    .values(prefs.map((p) => ({ tenantId, userId, kind: p.kind, inApp: p.inApp, email: p.email })))
    .onConflictDoUpdate({
      target: [
        notificationPreferences.tenantId,
        notificationPreferences.userId,
        notificationPreferences.kind,
      ],
      set: { inApp: sql`excluded.in_app`, email: sql`excluded.email`, updatedAt: sql`now()` },
    });
}

/** The user's notifications shown in the app, newest first. */
export async function listForUser(
  tx: Tx,
  tenantId: string,
  userId: string,
  o: { unreadOnly: boolean; beforeId?: string; limit: number },
): Promise<NotificationRow[]> {
  return tx
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.tenantId, tenantId),
        eq(notifications.userId, userId),
        eq(notifications.inApp, true),
        o.unreadOnly ? isNull(notifications.readAt) : undefined,
        o.beforeId ? lt(notifications.id, o.beforeId) : undefined,
      ),
    )
    .orderBy(desc(notifications.id))
    .limit(o.limit);
}

export async function unreadCount(tx: Tx, tenantId: string, userId: string): Promise<number> {
  const [row] = await tx.execute<{ n: number }>(sql`
    select count(*)::int as n from notifications
    where tenant_id = ${tenantId} and user_id = ${userId} and in_app and read_at is null`);
  return Number(row?.n ?? 0);
}

export async function findForUser(tx: Tx, tenantId: string, userId: string, id: string) {
  const [row] = await tx
    .select()
    .from(notifications)
    .where(
      and(eq(notifications.tenantId, tenantId), eq(notifications.userId, userId), eq(notifications.id, id)),
    );
  return row;
}

export async function setRead(tx: Tx, tenantId: string, userId: string, id: string, read: boolean) {
  await tx
    .update(notifications)
    .set({ readAt: read ? sql`coalesce(${notifications.readAt}, now())` : null })
    .where(
      and(eq(notifications.tenantId, tenantId), eq(notifications.userId, userId), eq(notifications.id, id)),
    );
}

export async function markAllRead(tx: Tx, tenantId: string, userId: string): Promise<number> {
  const rows = await tx.execute(sql`
    update notifications set read_at = now()
    where tenant_id = ${tenantId} and user_id = ${userId} and read_at is null and in_app`);
  return rows.count ?? 0;
}
