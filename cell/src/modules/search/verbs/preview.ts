import { NotFound } from '@quire/shared/errors';
import { authorize } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { findDerivatives, sourceVersionId } from '../../documents/extraction.ts';
import { findVersion } from '../../documents/repo.ts';
import { loadDocument } from '../../documents/resource.ts';
import { readPreview } from '../sealed.ts';

/**
 * The first-page / image preview of the current or a given version, authorized like a
 * download (read on the document). Not found when the caller may not read the document, or
 * when the version has no preview (not rendered yet, a type without one, a failed render).
 */
export async function preview({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; versionId?: string };
}) {
  const row = await withActor(
    ctx,
    async ({ tx, actor, audit }) => {
      const { doc, resource } = await loadDocument(tx, ctx.tenant.id, input.id);
      await authorize(tx, actor, 'read', resource);
      const version = await findVersion(tx, ctx.tenant.id, doc.id, input.versionId ?? doc.currentVersionId);
      if (!version) throw new NotFound('version', { resourceType: 'version', resourceId: input.versionId });
      const source = sourceVersionId(version);
      const derived = (await findDerivatives(tx, ctx.tenant.id, [source])).get(source);
      if (derived?.previewStatus !== 'done')
        throw new NotFound('preview', { resourceType: 'preview', resourceId: doc.id });
      audit({
        action: 'document.previewed',
        resourceType: 'document',
        resourceId: doc.id,
        details: { versionId: version.id },
      });
      return { derived, etag: `${source}-preview` };
    },
    { readOnly: true },
  );
  const png = await readPreview(ctx.deps, ctx.tenant.id, row.derived);
  if (!png) throw new NotFound('preview');
  return { png, etag: row.etag, width: row.derived.previewWidth, height: row.derived.previewHeight };
}
