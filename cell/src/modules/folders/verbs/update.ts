import { Conflict } from '@quire/shared/errors';
import { authorize, authorizeRootCreate } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { isUniqueViolation } from '../../../db/errors.ts';
import { withActor } from '../../../unit-of-work.ts';
import { queueFolderIndex, ringSearch } from '../../changes/outbox.ts';
import { presentFolder } from '../presenter.ts';
import { findFolder, moveSubtree, renameFolder } from '../repo.ts';
import { assertLive, loadFolder } from '../resource.ts';

/** Rename needs write; a move needs manage on the folder and write on the destination. */
export async function updateFolder({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; name?: string; parentId?: string | null };
}) {
  let moved = false;
  const result = await withActor(ctx, async ({ tx, actor, audit }) => {
    const tenantId = ctx.tenant.id;
    const { row, resource } = await loadFolder(tx, tenantId, input.id);
    await authorize(tx, actor, input.parentId !== undefined ? 'manage' : 'write', resource);
    assertLive({ row });
    try {
      if (input.name !== undefined && input.name !== row.name) {
        await renameFolder(tx, tenantId, row.id, input.name);
        audit({
          action: 'folder.renamed',
          resourceType: 'folder',
          resourceId: row.id,
          details: { from: row.name, to: input.name },
        });
      }
      if (input.parentId !== undefined && input.parentId !== row.parentId) {
        let newParentPath = '/';
        if (input.parentId) {
          const target = await loadFolder(tx, tenantId, input.parentId);
          await authorize(tx, actor, 'write', target.resource);
          assertLive(target);
          // A folder cannot move into itself or anything below it.
          if (target.row.path.startsWith(row.path))
            throw new Conflict('a folder cannot be moved into its own subtree');
          newParentPath = target.row.path;
        } else {
          authorizeRootCreate(actor);
        }
        await moveSubtree(tx, tenantId, row.id, row.path, `${newParentPath}${row.id}/`, input.parentId);
        // Every document below has a new ancestry: the worker expands this into document rows.
        await queueFolderIndex(tx, tenantId, row.id, 'folder.moved');
        moved = true;
        audit({
          action: 'folder.moved',
          resourceType: 'folder',
          resourceId: row.id,
          details: { from: row.parentId, to: input.parentId },
        });
      }
    } catch (e) {
      if (isUniqueViolation(e)) throw new Conflict('a folder with this name already exists there');
      throw e;
    }
    return presentFolder((await findFolder(tx, tenantId, row.id))!);
  });
  if (moved) ringSearch(ctx.deps);
  return result;
}
