import { authorize } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { ringSearch } from '../../changes/outbox.ts';
import { blockedByHold, Held, heldFolderIds } from '../../holds/check.ts';
import { presentFolder } from '../presenter.ts';
import { findFolder, trashedFolderRoots } from '../repo.ts';
import { loadFolder } from '../resource.ts';
import { restoreFolderIn, trashFolderIn } from '../trash.ts';

export async function setFolderTrashed({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; trashed: boolean };
}) {
  const result = await withActor(ctx, async ({ tx, actor, audit }) => {
    if (input.trashed) {
      // Authorisation first: what the caller may not manage is refused before any hold is told.
      const { row, resource } = await loadFolder(tx, ctx.tenant.id, input.id);
      await authorize(tx, actor, 'manage', resource);
      const holds = row.trashedAt
        ? []
        : ((await heldFolderIds(tx, ctx.tenant.id, [row.id])).get(row.id) ?? []);
      if (holds.length)
        return blockedByHold(tx, ctx.deps, audit, {
          tenantId: ctx.tenant.id,
          kind: 'folder.trash',
          targetId: input.id,
          requestedBy: actor.userId,
          holdIds: holds,
        });
    }
    const op = input.trashed ? trashFolderIn : restoreFolderIn;
    const { set, audit: entry } = await op(tx, ctx.tenant.id, actor, input.id);
    audit(entry);
    return {
      folder: presentFolder((await findFolder(tx, ctx.tenant.id, input.id))!),
      folders: set.folderIds.length,
      documents: set.documentIds.length,
    };
  });
  if (result instanceof Held) throw result.refusal(ctx.deps);
  ringSearch(ctx.deps);
  return result;
}

/** Folders in the trash as a whole that the caller may restore (owners; admins see all). */
export async function listTrashedFolders({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { cursor?: string; limit: number };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const rows = await trashedFolderRoots(tx, ctx.tenant.id, input.cursor, input.limit + 1);
      const page = rows.slice(0, input.limit);
      const items = [];
      for (const f of page) {
        const { resource } = await loadFolder(tx, ctx.tenant.id, f.id);
        const ok = await authorize(tx, actor, 'manage', resource).then(
          () => true,
          () => false,
        );
        if (ok) items.push(presentFolder(f));
      }
      return { items, nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null };
    },
    { readOnly: true },
  );
}
