import { authorize } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { presentDocument } from '../../documents/presenter.ts';
import { childDocuments, grantedRootDocuments } from '../../documents/repo.ts';
import { presentFolder } from '../../folders/presenter.ts';
import { childFolders, grantedRootFolders } from '../../folders/repo.ts';
import { loadFolder } from '../../folders/resource.ts';

/**
 * Folders first, then documents, each in id (creation) order. Inside a folder the caller
 * can read, everything is visible (grants only ever add); at the top level a non-admin
 * sees only what is granted to them. The cursor is the last item's id: its prefix says
 * whether the folders are done.
 */
export async function listChildren({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { folderId: string | null; cursor?: string; limit: number };
}) {
  const cursor = input.cursor
    ? { k: input.cursor.startsWith('fld_') ? 'folder' : 'document', id: input.cursor }
    : undefined;
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const tenantId = ctx.tenant.id;
      const all = input.folderId !== null || actor.role === 'admin';
      if (input.folderId) {
        const { resource } = await loadFolder(tx, tenantId, input.folderId);
        await authorize(tx, actor, 'read', resource);
      }
      const items: Array<
        | ({ kind: 'folder' } & ReturnType<typeof presentFolder>)
        | ({ kind: 'document' } & ReturnType<typeof presentDocument>)
      > = [];
      if (!cursor || cursor.k === 'folder') {
        const after = cursor?.id;
        const rows = all
          ? await childFolders(tx, tenantId, input.folderId, after, input.limit + 1)
          : await grantedRootFolders(tx, tenantId, actor.principalIds, after, input.limit + 1);
        for (const f of rows) items.push({ kind: 'folder', ...presentFolder(f) });
      }
      if (items.length <= input.limit) {
        const after = cursor?.k === 'document' ? cursor.id : undefined;
        const want = input.limit + 1 - items.length;
        const rows = all
          ? await childDocuments(tx, tenantId, input.folderId, after, want)
          : await grantedRootDocuments(tx, tenantId, actor.principalIds, after, want);
        for (const d of rows) items.push({ kind: 'document', ...presentDocument(d) });
      }
      const more = items.length > input.limit;
      const page = items.slice(0, input.limit);
      const last = page[page.length - 1];
      return { items: page, nextCursor: more && last ? last.id : null };
    },
    { readOnly: true },
  );
}
