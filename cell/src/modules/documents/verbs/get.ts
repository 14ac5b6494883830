import { NotFound } from '@quire/shared/errors';
import { check, roleOf } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { readAsActor } from '../../../unit-of-work.ts';
import { presentExtraction } from '../extraction.ts';
import { presentDocumentDetail } from '../presenter.ts';
import { readDocumentView } from '../view.ts';

/** The hottest read: session check and document in one statement (see readDocumentView). */
export async function getDocument({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return readAsActor(
    ctx,
    (sql) => readDocumentView(sql, ctx.tenant.id, ctx.claims, input.id),
    ({ actor, row: view, audit }) => {
      const resource = { type: 'document' as const, id: input.id };
      if (!view) throw new NotFound('document', { resourceType: 'document', resourceId: input.id });
      const role = check(roleOf(actor, view.grantRole), 'read', resource);
      audit({ action: 'document.viewed', resourceType: 'document', resourceId: view.doc.id });
      return presentDocumentDetail(view.doc, view.version, role, presentExtraction(view.derivative));
    },
  );
}
