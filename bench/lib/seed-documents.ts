import { newId } from '@quire/shared/ids';
import type { CellDeps } from '../../cell/src/context.ts';
import { documents, documentVersions } from '../../cell/src/db/schema/index.ts';
import { withTenantTx } from '../../cell/src/db/tenant-tx.ts';
import { storeContent } from '../../cell/src/modules/documents/content.ts';
import type { VersionRow } from '../../cell/src/modules/documents/repo.ts';

export interface SeedOptions {
  tenantId: string;
  createdBy: string;
  count: number;
  folderId?: string;
  /** The file name of document `i` (also its title). */
  filename(i: number): string;
  /** The bytes of document `i`. */
  content(i: number): Buffer | string;
  /** Parallel writers (each flushes 250 documents per transaction). */
  writers?: number;
}

/**
 * Many documents of one version each, fast: the blobs go through the product's own store
 * (encrypted under the tenant's key like any upload), the rows are inserted in batches of 250,
 * skipping the API, quotas and the search outbox. For benches that need a large tenant, not for
 * measuring uploads. Resolves with the version rows written.
 */
export async function seedDocuments(deps: CellDeps, o: SeedOptions): Promise<VersionRow[]> {
  const versions: VersionRow[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: o.writers ?? 4 }, async () => {
      let docRows: (typeof documents.$inferInsert)[] = [];
      let versionRows: (typeof documentVersions.$inferInsert)[] = [];
      const flush = async () => {
        if (docRows.length === 0) return;
        const [d, v] = [docRows, versionRows];
        docRows = [];
        versionRows = [];
        await withTenantTx(deps.db, o.tenantId, async (tx) => {
          await tx.insert(documents).values(d);
          versions.push(...((await tx.insert(documentVersions).values(v).returning()) as VersionRow[]));
        });
      };
      for (let i = next++; i < o.count; i = next++) {
        const documentId = newId('document');
        const versionId = newId('version');
        const stored = await storeContent(deps, {
          tenantId: o.tenantId,
          documentId,
          versionId,
          body: new Response(o.content(i)).body,
          maxBytes: 1 << 30,
        });
        const filename = o.filename(i);
        docRows.push({
          tenantId: o.tenantId,
          id: documentId,
          ...(o.folderId ? { folderId: o.folderId } : {}),
          title: filename,
          currentVersionId: versionId,
          createdBy: o.createdBy,
        });
        versionRows.push({
          tenantId: o.tenantId,
          id: versionId,
          documentId,
          number: 1,
          filename,
          contentType: 'text/plain',
          size: stored.size,
          sha256: stored.sha256,
          blobKey: stored.blobKey,
          wrappedKey: stored.wrappedKey,
          keyRef: stored.keyRef,
          createdBy: o.createdBy,
        });
        if (docRows.length >= 250) await flush();
      }
      await flush();
    }),
  );
  return versions;
}
