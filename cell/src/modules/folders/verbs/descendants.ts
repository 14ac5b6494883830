import { authorize } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { descendants } from '../repo.ts';
import { loadFolder } from '../resource.ts';

/** The subtree under a folder (one indexed range scan, whatever the depth). */
export async function listDescendants({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; maxDepth: number; limit: number };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const { row, resource } = await loadFolder(tx, ctx.tenant.id, input.id);
      await authorize(tx, actor, 'read', resource);
      return { items: await descendants(tx, ctx.tenant.id, row.path, input.maxDepth, input.limit) };
    },
    { readOnly: true },
  );
}
