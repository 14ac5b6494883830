import { and, desc, eq, sql } from 'drizzle-orm';
import { shareLinks } from '../../../db/schema/index.ts';
import type { Tx } from '../../../db/tenant-tx.ts';

export type LinkRow = typeof shareLinks.$inferSelect;

export async function insertLink(tx: Tx, row: typeof shareLinks.$inferInsert): Promise<LinkRow> {
  const [saved] = await tx.insert(shareLinks).values(row).returning();
  return saved!;
}

export async function findLink(tx: Tx, tenantId: string, id: string): Promise<LinkRow | undefined> {
  const [row] = await tx
    .select()
    .from(shareLinks)
    .where(and(eq(shareLinks.tenantId, tenantId), eq(shareLinks.id, id)));
  return row;
}

export async function findLinkByHash(tx: Tx, tenantId: string, hash: Buffer): Promise<LinkRow | undefined> {
  const [row] = await tx
    .select()
    .from(shareLinks)
    .where(and(eq(shareLinks.tenantId, tenantId), eq(shareLinks.tokenHash, hash)));
  return row;
}

export async function linksOn(tx: Tx, tenantId: string, resourceId: string): Promise<LinkRow[]> {
  return tx
    .select()
    .from(shareLinks)
    .where(and(eq(shareLinks.tenantId, tenantId), eq(shareLinks.resourceId, resourceId)))
    .orderBy(desc(shareLinks.id));
}

export async function updateLink(
  tx: Tx,
  tenantId: string,
  id: string,
  set: Partial<typeof shareLinks.$inferInsert>,
) {
  const [row] = await tx
    .update(shareLinks)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(shareLinks.tenantId, tenantId), eq(shareLinks.id, id)))
    .returning();
  return row!;
}

export async function recordAccess(tx: Tx, tenantId: string, id: string): Promise<void> {
  await tx.execute(sql`
    update share_links set access_count = access_count + 1, last_access_at = now()
    where tenant_id = ${tenantId} and id = ${id}`);
}

/** Counts a download if the link still allows one (atomic: the limit holds under concurrency). */
export async function takeDownload(tx: Tx, tenantId: string, id: string): Promise<boolean> {
  const rows = await tx.execute(sql`
    update share_links set download_count = download_count + 1, access_count = access_count + 1, last_access_at = now()
    where tenant_id = ${tenantId} and id = ${id} and (max_downloads is null or download_count < max_downloads)
    returning id`);
  return rows.length === 1;
}
