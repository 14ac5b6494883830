import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { authorize } from '../../permissions/policy.ts';
import { extractionOf } from '../../search/extraction-status.ts';
import { presentDocumentDetail } from '../presenter.ts';
import { findVersion } from '../repo.ts';
import { loadDocument } from '../resource.ts';

export async function getDocument({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor, audit }) => {
      const { doc, resource } = await loadDocument(tx, ctx.tenant.id, input.id);
      const role = await authorize(tx, actor, 'read', resource);
      const current = (await findVersion(tx, ctx.tenant.id, doc.id, doc.currentVersionId))!;
      audit({ action: 'document.viewed', resourceType: 'document', resourceId: doc.id });
      const extraction = await extractionOf(tx, ctx.tenant.id, [current]);
      return presentDocumentDetail(doc, current, role, extraction.get(current.id));
    },
    { readOnly: true },
  );
}
