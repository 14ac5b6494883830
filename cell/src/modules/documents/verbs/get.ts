import { NotFound } from '@quire/shared/errors';
import { check, roleOf } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import type { Tx } from '../../../db/tenant-tx.ts';
import { withActor } from '../../../unit-of-work.ts';
import { presentExtraction } from '../extraction.ts';
import { presentDocumentDetail } from '../presenter.ts';
import { findDocumentView } from '../view.ts';

/** The hot read: one statement, sent in the same round trip as the tenant setting and the actor. */
export async function getDocument({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async ({ actor, audit, prefetched: view }) => {
      const resource = { type: 'document' as const, id: input.id };
      if (!view) throw new NotFound('document', { resourceType: 'document', resourceId: input.id });
      const role = check(roleOf(actor, view.grantRole), 'read', resource);
      audit({ action: 'document.viewed', resourceType: 'document', resourceId: view.doc.id });
      return presentDocumentDetail(view.doc, view.version, role, presentExtraction(view.derivative));
    },
    {
      readOnly: true,
      prefetchOnly: true,
      prefetch: (tx: Tx) => findDocumentView(tx, ctx.tenant.id, input.id, ctx.claims.sub),
    },
  );
}
