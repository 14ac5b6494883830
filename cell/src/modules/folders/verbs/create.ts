import { Conflict } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { insertGrant } from '../../../auth/grants.ts';
import { authorize, authorizeRootCreate } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { isUniqueViolation } from '../../../db/errors.ts';
import { withActor } from '../../../unit-of-work.ts';
import { presentFolder } from '../presenter.ts';
import { insertFolder } from '../repo.ts';
import { assertLive, loadFolder } from '../resource.ts';

export async function createFolder({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { name: string; parentId?: string | null };
}) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    let parentPath = '/';
    if (input.parentId) {
      const parent = await loadFolder(tx, ctx.tenant.id, input.parentId);
      await authorize(tx, actor, 'write', parent.resource);
      assertLive(parent);
      parentPath = parent.row.path;
    } else {
      authorizeRootCreate(actor);
    }
    const id = newId('folder');
    const row = await insertFolder(tx, {
      tenantId: ctx.tenant.id,
      id,
      parentId: input.parentId ?? null,
      name: input.name,
      path: `${parentPath}${id}/`,
      createdBy: actor.userId,
    }).catch((e) => {
      if (isUniqueViolation(e)) throw new Conflict('a folder with this name already exists here');
      throw e;
    });
    // The creator owns what they create; at the top level that grant is how they see it.
    await insertGrant(tx, {
      tenantId: ctx.tenant.id,
      resourceType: 'folder',
      resourceId: id,
      principalType: 'user',
      principalId: actor.userId,
      role: 'owner',
      createdBy: actor.userId,
    });
    audit({
      action: 'folder.created',
      resourceType: 'folder',
      resourceId: id,
      details: { parentId: row.parentId },
    });
    return presentFolder(row);
  });
}
