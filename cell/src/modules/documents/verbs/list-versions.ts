import { authorize } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { extractionOf } from '../extraction.ts';
import { presentVersion } from '../presenter.ts';
import { listVersions as listVersionRows } from '../repo.ts';
import { loadDocument } from '../resource.ts';

export async function listVersions({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const { doc, resource } = await loadDocument(tx, ctx.tenant.id, input.id);
      await authorize(tx, actor, 'read', resource);
      const rows = await listVersionRows(tx, ctx.tenant.id, doc.id);
      const extraction = await extractionOf(tx, ctx.tenant.id, rows);
      return { items: rows.map((v) => presentVersion(v, extraction.get(v.id))) };
    },
    { readOnly: true },
  );
}
