import { Readable } from 'node:stream';
import { Conflict, NotFound } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { sql } from 'drizzle-orm';
import yauzl from 'yauzl';
import { appendInTx } from '../../audit-trail/append.ts';
import { auditEntry, auditOrigin } from '../../audit-trail/entry.ts';
import type { CellDeps } from '../../context.ts';
import {
  comments,
  documents,
  documentVersions,
  folders,
  grants,
  groupMembers,
  groups,
  users,
} from '../../db/schema/index.ts';
import { type Tx, withTenantTx } from '../../db/tenant-tx.ts';
import { queueAllDocuments, ringSearch } from '../changes/outbox.ts';
import { type StoredContent, storeContent } from '../documents/content.ts';
import { EXPORT_FORMAT, type Manifest } from './manifest.ts';

export interface ImportResult {
  tenantId: string;
  counts: Record<string, number>;
  /** Old id → new id, for everything that got a new id. */
  ids: Record<string, string>;
}

/** A zip read from disk: the entries by name, each opened on demand. */
async function openZip(file: string) {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, z) =>
      err || !z ? reject(err) : resolve(z),
    ),
  );
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      entries.set(e.fileName, e);
      zip.readEntry();
    });
    zip.once('end', resolve);
    zip.once('error', reject);
    zip.readEntry();
  });
  const open = (name: string) =>
    new Promise<Readable>((resolve, reject) => {
      const entry = entries.get(name);
      if (!entry) return reject(new Error(`the export has no ${name}`));
      zip.openReadStream(entry, (err, s) => (err || !s ? reject(err) : resolve(s)));
    });
  const read = async (name: string) => {
    const chunks: Buffer[] = [];
    for await (const c of await open(name)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  return { open, read, close: () => zip.close() };
}

/** Empty: no folder, document, group, grant or comment, and no user but the first admin. */
async function assertEmpty(tx: Tx, tenantId: string) {
  const [c] = await tx.execute<Record<string, string>>(sql`
    select (select count(*) from folders where tenant_id = ${tenantId}) as folders,
      (select count(*) from documents where tenant_id = ${tenantId}) as documents,
      (select count(*) from groups where tenant_id = ${tenantId}) as groups,
      (select count(*) from grants where tenant_id = ${tenantId}) as grants,
      (select count(*) from comments where tenant_id = ${tenantId}) as comments,
      (select count(*) from users where tenant_id = ${tenantId}) as users`);
  const full = Object.entries(c ?? {}).filter(([k, v]) => Number(v) > (k === 'users' ? 1 : 0));
  if (full.length > 0)
    throw new Conflict(`the target tenant is not empty (${full.map(([k, v]) => `${v} ${k}`).join(', ')})`, {
      reason: 'tenant_not_empty',
    });
}

/**
 * Loads a tenant export (portability, scope tenant) into an EMPTY tenant of this cell: users
 * (matched by email with the ones there, i.e. the first admin; others created without a
 * password: they sign in through SSO or an invitation), groups, folders, documents with every
 * version (each file re-encrypted under the target tenant's key, its sha256 checked against the
 * manifest), tags, custom fields, grants and comments. Everything gets a new id; dates are kept.
 * The files are stored first, then every row in one transaction (a failure leaves no row; the
 * stored blobs are removed). The search index catches up through the outbox.
 */
export async function importTenantExport(
  deps: CellDeps,
  tenantId: string,
  file: string,
): Promise<ImportResult> {
  const zip = await openZip(file);
  const stored: StoredContent[] = [];
  try {
    const manifest = JSON.parse((await zip.read('manifest.json')).toString('utf8')) as Manifest;
    if (manifest.format !== EXPORT_FORMAT) throw new Conflict(`not a ${EXPORT_FORMAT} export`);
    if (manifest.scope !== 'tenant') throw new Conflict('only a tenant export can be imported');
    const existing = await withTenantTx(deps.db, tenantId, async (tx) => {
      const [t] = await tx.execute<{ id: string }>(sql`select id from tenants where id = ${tenantId}`);
      if (!t) throw new NotFound('tenant', { resourceType: 'tenant', resourceId: tenantId });
      await assertEmpty(tx, tenantId);
      return tx.execute<{ id: string; email: string }>(
        sql`select id, email from users where tenant_id = ${tenantId}`,
      );
    });
    const ids = new Map<string, string>();
    const byEmail = new Map(existing.map((u) => [u.email.toLowerCase(), u.id]));
    const fallbackUser = existing[0]?.id ?? 'import';
    for (const u of manifest.users) ids.set(u.id, byEmail.get(u.email.toLowerCase()) ?? newId('user'));
    for (const g of manifest.groups) ids.set(g.id, newId('group'));
    for (const f of manifest.folders) ids.set(f.id, newId('folder'));
    for (const d of manifest.documents) {
      ids.set(d.id, newId('document'));
      for (const v of d.versions) ids.set(v.id, newId('version'));
    }
    for (const c of manifest.comments) ids.set(c.id, newId('comment'));
    for (const g of manifest.grants) ids.set(g.id, newId('grant'));
    const user = (id: string) => ids.get(id) ?? fallbackUser;

    // Files first, outside the transaction: each version re-encrypted under this tenant's key.
    const content = new Map<string, StoredContent>();
    for (const d of manifest.documents) {
      for (const v of d.versions) {
        const s = await storeContent(deps, {
          tenantId,
          documentId: ids.get(d.id)!,
          versionId: ids.get(v.id)!,
          body: Readable.toWeb(await zip.open(v.file)) as ReadableStream<Uint8Array>,
          maxBytes: Number.MAX_SAFE_INTEGER,
        });
        stored.push(s);
        if (s.sha256 !== v.sha256 || s.size !== v.size)
          throw new Conflict(`the file of version ${v.id} does not match its checksum in the manifest`);
        content.set(v.id, s);
      }
    }

    const counts = await withTenantTx(deps.db, tenantId, async (tx) => {
      await assertEmpty(tx, tenantId);
      const newUsers = manifest.users.filter((u) => !byEmail.has(u.email.toLowerCase()));
      if (newUsers.length)
        await tx.insert(users).values(
          newUsers.map((u) => ({
            tenantId,
            id: ids.get(u.id)!,
            email: u.email,
            name: u.name,
            role: u.role,
            status: u.status,
            createdAt: new Date(u.createdAt),
          })),
        );
      for (const g of manifest.groups) {
        await tx
          .insert(groups)
          .values({ tenantId, id: ids.get(g.id)!, name: g.name, createdAt: new Date(g.createdAt) });
        if (g.members.length)
          await tx
            .insert(groupMembers)
            .values(g.members.map((m) => ({ tenantId, groupId: ids.get(g.id)!, userId: user(m) })));
      }
      const paths = new Map<string, string>();
      for (const f of manifest.folders) {
        const id = ids.get(f.id)!;
        const path = `${f.parentId ? paths.get(f.parentId)! : '/'}${id}/`;
        paths.set(f.id, path);
        await tx.insert(folders).values({
          tenantId,
          id,
          parentId: f.parentId ? ids.get(f.parentId)! : null,
          name: f.name,
          path,
          createdBy: user(f.createdBy),
          createdAt: new Date(f.createdAt),
        });
      }
      for (const d of manifest.documents) {
        const documentId = ids.get(d.id)!;
        await tx.insert(documents).values({
          tenantId,
          id: documentId,
          folderId: d.folderId ? ids.get(d.folderId)! : null,
          title: d.title,
          tags: d.tags,
          customFields: d.customFields as never,
          currentVersionId: ids.get(d.currentVersionId)!,
          versionCount: d.versions.length,
          createdBy: user(d.createdBy),
          createdAt: new Date(d.createdAt),
          updatedAt: new Date(d.updatedAt),
          ...(d.trashed ? { trashedAt: new Date(), trashedBy: fallbackUser } : {}),
        });
        for (const v of d.versions) {
          const s = content.get(v.id)!;
          await tx.insert(documentVersions).values({
            tenantId,
            id: ids.get(v.id)!,
            documentId,
            number: v.number,
            filename: v.filename,
            contentType: v.contentType,
            size: s.size,
            sha256: s.sha256,
            blobKey: s.blobKey,
            wrappedKey: s.wrappedKey,
            keyRef: s.keyRef,
            restoredFrom: v.restoredFrom ? (ids.get(v.restoredFrom) ?? null) : null,
            createdBy: user(v.createdBy),
            createdAt: new Date(v.createdAt),
          });
        }
      }
      for (const c of manifest.comments) {
        await tx.insert(comments).values({
          tenantId,
          id: ids.get(c.id)!,
          documentId: ids.get(c.documentId)!,
          threadId: ids.get(c.threadId) ?? ids.get(c.id)!,
          parentId: c.parentId ? ids.get(c.parentId)! : null,
          authorId: user(c.authorId),
          body: c.body,
          anchor: c.anchor as never,
          createdAt: new Date(c.createdAt),
          ...(c.resolved ? { resolvedAt: new Date(), resolvedBy: user(c.authorId) } : {}),
          ...(c.deleted ? { deletedAt: new Date(), deletedBy: user(c.authorId) } : {}),
        });
      }
      for (const g of manifest.grants) {
        const resourceId = ids.get(g.resourceId);
        const principalId = g.principalType === 'tenant' ? g.principalId : ids.get(g.principalId);
        if (!resourceId || !principalId) continue;
        await tx.insert(grants).values({
          tenantId,
          id: ids.get(g.id)!,
          resourceType: g.resourceType,
          resourceId,
          principalType: g.principalType,
          principalId,
          role: g.role,
          createdBy: user(g.createdBy),
          createdAt: new Date(g.createdAt),
        });
      }
      await queueAllDocuments(tx, tenantId, 'import');
      const counts = {
        users: newUsers.length,
        groups: manifest.groups.length,
        folders: manifest.folders.length,
        documents: manifest.documents.length,
        versions: content.size,
        comments: manifest.comments.length,
        grants: manifest.grants.length,
      };
      await appendInTx(tx, [
        auditEntry(
          auditOrigin(tenantId, {
            requestId: `import-${manifest.exportId}`,
            client: { ip: null, userAgent: 'import-cli' },
          }),
          'import-cli',
          {
            action: 'tenant.imported',
            resourceType: 'tenant',
            resourceId: tenantId,
            details: { fromTenant: manifest.tenant.id, exportId: manifest.exportId, counts },
          },
          'system',
        ),
      ]);
      return counts;
    });
    ringSearch(deps);
    return { tenantId, counts, ids: Object.fromEntries(ids) };
  } catch (err) {
    for (const s of stored) await deps.blobs.delete(s.blobKey).catch(() => {});
    throw err;
  } finally {
    zip.close();
  }
}
