import type { Readable } from 'node:stream';
import { NotFound } from '@quire/shared/errors';
import { authorize } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { readContent } from '../content.ts';
import { findVersion, type VersionRow } from '../repo.ts';
import { loadDocument } from '../resource.ts';

/** Streams the plaintext of the current or a given version; the download itself is audited. */
export async function download({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; versionId?: string };
}): Promise<{ version: VersionRow; stream: Readable }> {
  const version = await withActor(
    ctx,
    async ({ tx, actor, audit }) => {
      const { doc, resource } = await loadDocument(tx, ctx.tenant.id, input.id);
      await authorize(tx, actor, 'read', resource);
      const v = await findVersion(tx, ctx.tenant.id, doc.id, input.versionId ?? doc.currentVersionId);
      if (!v) throw new NotFound('version', { resourceType: 'version', resourceId: input.versionId });
      audit({
        action: 'document.downloaded',
        resourceType: 'document',
        resourceId: doc.id,
        details: { versionId: v.id },
      });
      return v;
    },
    { readOnly: true },
  );
  return { version, stream: await readContent(ctx.deps, ctx.tenant.id, version) };
}
