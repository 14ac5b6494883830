import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { pgArray } from '../../auth/policy.ts';
import { folders } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';

export type FolderRow = typeof folders.$inferSelect;

/** Every query names the tenant as well as relying on RLS: defence in depth. */
export async function findFolder(tx: Tx, tenantId: string, id: string): Promise<FolderRow | undefined> {
  const [row] = await tx
    .select()
    .from(folders)
    .where(and(eq(folders.tenantId, tenantId), eq(folders.id, id)));
  return row;
}

export async function folderNames(tx: Tx, tenantId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await tx
    .select({ id: folders.id, name: folders.name })
    .from(folders)
    .where(and(eq(folders.tenantId, tenantId), inArray(folders.id, ids)));
  return new Map(rows.map((r) => [r.id, r.name]));
}

export async function insertFolder(tx: Tx, row: typeof folders.$inferInsert): Promise<FolderRow> {
  const [created] = await tx.insert(folders).values(row).returning();
  return created!;
}

export async function renameFolder(tx: Tx, tenantId: string, id: string, name: string): Promise<void> {
  await tx
    .update(folders)
    .set({ name, updatedAt: new Date() })
    .where(and(eq(folders.tenantId, tenantId), eq(folders.id, id)));
}

/**
 * Upper bound of a path prefix range: paths end in '/', and '0' is the next byte,
 * so `[prefix, bound)` under byte order is exactly the subtree. Uses the
 * `(tenant_id, path text_pattern_ops)` index with bound parameters.
 */
function subtreeBound(prefix: string): string {
  return `${prefix.slice(0, -1)}0`;
}

/** Re-roots a folder and everything below it in one statement. */
export async function moveSubtree(
  tx: Tx,
  tenantId: string,
  id: string,
  oldPath: string,
  newPath: string,
  parentId: string | null,
) {
  await tx.execute(sql`
    update folders set path = ${newPath} || substr(path, ${oldPath.length + 1}),
      parent_id = case when id = ${id} then ${parentId} else parent_id end,
      updated_at = case when id = ${id} then now() else updated_at end
    where tenant_id = ${tenantId} and path ~>=~ ${oldPath} and path ~<~ ${subtreeBound(oldPath)}`);
}

export interface DescendantRow {
  id: string;
  name: string;
  parentId: string | null;
  depth: number;
}

/** Folders below `path` (excluding itself), at most `maxDepth` levels down, in path order. */
export async function descendants(
  tx: Tx,
  tenantId: string,
  path: string,
  maxDepth: number,
  limit: number,
): Promise<DescendantRow[]> {
  const baseDepth = path.split('/').filter(Boolean).length;
  const rows = await tx.execute<{ id: string; name: string; parent_id: string | null; depth: number }>(sql`
    select id, name, parent_id, (length(path) - length(replace(path, '/', ''))) - 1 - ${baseDepth} as depth
    from folders
    where tenant_id = ${tenantId} and path ~>~ ${path} and path ~<~ ${subtreeBound(path)} and trashed_at is null
      and (length(path) - length(replace(path, '/', ''))) - 1 - ${baseDepth} <= ${maxDepth}
    order by path
    limit ${limit}`);
  return rows.map((r) => ({ id: r.id, name: r.name, parentId: r.parent_id, depth: Number(r.depth) }));
}

export async function childFolders(
  tx: Tx,
  tenantId: string,
  parentId: string | null,
  afterId: string | undefined,
  limit: number,
) {
  return tx
    .select()
    .from(folders)
    .where(
      and(
        eq(folders.tenantId, tenantId),
        parentId ? eq(folders.parentId, parentId) : isNull(folders.parentId),
        isNull(folders.trashedAt),
        afterId ? gt(folders.id, afterId) : undefined,
      ),
    )
    .orderBy(asc(folders.id))
    .limit(limit);
}

/** Top-level folders the principals hold a grant on: what a non-admin sees at the root. */
export async function grantedRootFolders(
  tx: Tx,
  tenantId: string,
  principalIds: string[],
  afterId: string | undefined,
  limit: number,
): Promise<FolderRow[]> {
  return tx
    .select()
    .from(folders)
    .where(
      and(
        eq(folders.tenantId, tenantId),
        isNull(folders.parentId),
        isNull(folders.trashedAt),
        afterId ? gt(folders.id, afterId) : undefined,
        sql`exists (select 1 from grants g where g.tenant_id = ${folders.tenantId} and g.resource_id = ${folders.id}
                    and g.principal_id = any(${pgArray(principalIds)}::text[]))`,
      ),
    )
    .orderBy(asc(folders.id))
    .limit(limit);
}

export async function isFolderEmpty(tx: Tx, tenantId: string, id: string): Promise<boolean> {
  const rows = await tx.execute<{ n: number }>(sql`
    select (select count(*) from folders where tenant_id = ${tenantId} and parent_id = ${id})
         + (select count(*) from documents where tenant_id = ${tenantId} and folder_id = ${id}) as n`);
  return Number(rows[0]?.n ?? 0) === 0;
}

export async function deleteFolder(tx: Tx, tenantId: string, id: string): Promise<void> {
  await tx.delete(folders).where(and(eq(folders.tenantId, tenantId), eq(folders.id, id)));
}

export interface TrashedSet {
  folderIds: string[];
  documentIds: string[];
}

/**
 * Puts a folder and everything below it that is not already in the trash into the trash, marked
 * as trashed with this folder: restoring it brings back exactly that set.
 */
export async function trashSubtree(tx: Tx, tenantId: string, f: FolderRow, by: string): Promise<TrashedSet> {
  const bound = subtreeBound(f.path);
  const fs = await tx.execute<{ id: string }>(sql`
    update folders set trashed_at = now(), trashed_by = ${by}, trashed_with = ${f.id}, updated_at = now()
    where tenant_id = ${tenantId} and path ~>=~ ${f.path} and path ~<~ ${bound} and trashed_at is null
    returning id`);
  const ds = await tx.execute<{ id: string }>(sql`
    update documents d set trashed_at = now(), trashed_by = ${by}, trashed_with = ${f.id}, updated_at = now()
    from folders x
    where d.tenant_id = ${tenantId} and x.tenant_id = d.tenant_id and x.id = d.folder_id
      and x.path ~>=~ ${f.path} and x.path ~<~ ${bound} and d.trashed_at is null
    returning d.id`);
  return { folderIds: fs.map((r) => r.id), documentIds: ds.map((r) => r.id) };
}

/** Brings back what went to the trash with this folder. */
export async function restoreSubtree(tx: Tx, tenantId: string, folderId: string): Promise<TrashedSet> {
  const fs = await tx.execute<{ id: string }>(sql`
    update folders set trashed_at = null, trashed_by = null, trashed_with = null, updated_at = now()
    where tenant_id = ${tenantId} and trashed_with = ${folderId} returning id`);
  const ds = await tx.execute<{ id: string }>(sql`
    update documents set trashed_at = null, trashed_by = null, trashed_with = null, updated_at = now()
    where tenant_id = ${tenantId} and trashed_with = ${folderId} returning id`);
  return { folderIds: fs.map((r) => r.id), documentIds: ds.map((r) => r.id) };
}

/** Folders put in the trash as a whole (roots of a trashed subtree), newest first. */
export async function trashedFolderRoots(
  tx: Tx,
  tenantId: string,
  afterId: string | undefined,
  limit: number,
) {
  return tx
    .select()
    .from(folders)
    .where(
      and(
        eq(folders.tenantId, tenantId),
        sql`${folders.trashedWith} = ${folders.id}`,
        afterId ? gt(folders.id, afterId) : undefined,
      ),
    )
    .orderBy(asc(folders.id))
    .limit(limit);
}
