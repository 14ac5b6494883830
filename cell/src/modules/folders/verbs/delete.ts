import { Conflict } from '@quire/shared/errors';
import { deleteGrantsOn } from '../../../auth/grants.ts';
import { authorize } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { queueFolderIndex, ringSearch } from '../../changes/outbox.ts';
import { heldConflict, heldFolderIds } from '../../holds/check.ts';
import { deleteFolder as deleteFolderRow, isFolderEmpty } from '../repo.ts';
import { loadFolder } from '../resource.ts';

/** Only an empty folder can be deleted: documents go through the trash first. */
export async function deleteFolder({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  await withActor(ctx, async ({ tx, actor, audit }) => {
    const { row, resource } = await loadFolder(tx, ctx.tenant.id, input.id);
    await authorize(tx, actor, 'manage', resource);
    if (!(await isFolderEmpty(tx, ctx.tenant.id, row.id))) throw new Conflict('folder is not empty');
    // An empty folder under hold is kept too (nothing to queue: it would be deleted empty later).
    const holds = (await heldFolderIds(tx, ctx.tenant.id, [row.id])).get(row.id) ?? [];
    if (holds.length) throw heldConflict('folder.trash', row.id, holds);
    await deleteGrantsOn(tx, ctx.tenant.id, row.id);
    await deleteFolderRow(tx, ctx.tenant.id, row.id);
    // Only empty folders are deleted, so nothing is indexed below it; the row keeps the rule uniform.
    await queueFolderIndex(tx, ctx.tenant.id, row.id, 'folder.deleted');
    audit({
      action: 'folder.deleted',
      resourceType: 'folder',
      resourceId: row.id,
      details: { name: row.name },
    });
  });
  ringSearch(ctx.deps);
}
