import { authorize, idsFromPath } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { presentFolderDetail } from '../presenter.ts';
import { folderNames } from '../repo.ts';
import { loadFolder } from '../resource.ts';

export async function getFolder({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor, audit }) => {
      const { row, resource } = await loadFolder(tx, ctx.tenant.id, input.id);
      const role = await authorize(tx, actor, 'read', resource);
      const names = await folderNames(tx, ctx.tenant.id, resource.ancestorIds);
      const breadcrumbs = idsFromPath(row.path)
        .slice(0, -1)
        .map((id) => ({ id, name: names.get(id) ?? '' }));
      audit({ action: 'folder.viewed', resourceType: 'folder', resourceId: row.id });
      return presentFolderDetail(row, breadcrumbs, role);
    },
    { readOnly: true },
  );
}
