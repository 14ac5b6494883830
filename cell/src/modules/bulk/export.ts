import type { Readable } from 'node:stream';
import { QuireError } from '@quire/shared/errors';
import { sql } from 'drizzle-orm';
import { blobKey } from '../../adapters/blob-store/port.ts';
import { appendInTx } from '../../audit-trail/append.ts';
import { auditEntry } from '../../audit-trail/entry.ts';
import type { ActorRecord } from '../../auth/actor.ts';
import { authorize, idsFromPath } from '../../auth/policy.ts';
import type { CellDeps } from '../../context.ts';
import { type Tx, withTenantTx } from '../../db/tenant-tx.ts';
import { publishLive, userChannel } from '../../live/bus.ts';
import type { VersionRow } from '../documents/repo.ts';
import { loadDocument } from '../documents/resource.ts';
import { loadFolder } from '../folders/resource.ts';
import { deliver } from '../notifications/notify.ts';
import { dispatch } from '../webhooks/events.ts';
import { jobActor } from './actor.ts';
import { finish, jobOrigin, LEASE_SECONDS } from './finish.ts';
import { type BulkJobRow, findJob, updateJob } from './repo.ts';
import { type EncryptedZip, readEncryptedZip, writeEncryptedZip } from './zip.ts';

/** Documents one export may hold (folders expanded). */
export const MAX_EXPORT_FILES = 10_000;

interface ExportFile {
  path: string;
  documentId: string;
  title: string;
  version: VersionRow;
  updatedAt: Date;
}

interface Collected {
  files: ExportFile[];
  itemOutcomes: { seq: number; status: 'done' | 'failed'; code?: string; message?: string }[];
}

const aad = (tenantId: string, jobId: string) => `quire/v1/${tenantId}/exports/${jobId}`;

/** A file or folder name made safe inside a zip: no separators, no control characters. */
function safeName(name: string): string {
  const cleaned = [...name]
    .map((ch) => (ch.charCodeAt(0) < 0x20 || ch === '/' || ch === '\\' ? '_' : ch))
    .join('');
  return cleaned.replace(/^\.+$/, '_').slice(0, 200) || '_';
}

/**
 * Everything the job's items name that its creator may read now: documents (not in the trash),
 * and for folders every document in the subtree (folders and documents in the trash left
 * out). What the creator cannot read is an item failure (not found), never a file.
 */
async function collect(tx: Tx, tenantId: string, actor: ActorRecord, jobId: string): Promise<Collected> {
  const items = await tx.execute<{ seq: number; resource_type: string; resource_id: string }>(sql`
    select seq, resource_type, resource_id from bulk_job_items
    where tenant_id = ${tenantId} and job_id = ${jobId} and status = 'pending' order by seq`);
  const files: ExportFile[] = [];
  const outcomes: Collected['itemOutcomes'] = [];
  const taken = new Set<string>();
  const claim = (path: string) => {
    let p = path;
    for (let n = 2; taken.has(p.toLowerCase()); n++)
      p = path.replace(/(\.[^./]*)?$/, (ext) => ` (${n})${ext}`);
    taken.add(p.toLowerCase());
    return p;
  };
  const versionOf = async (ids: string[]) => {
    const rows = await tx.execute<{
      document_id: string;
      title: string;
      updated_at: Date;
      v: VersionRow;
    }>(sql`
      select d.id as document_id, d.title, d.updated_at, row_to_json(v) as v
      from documents d join document_versions v on v.tenant_id = d.tenant_id and v.id = d.current_version_id
      where d.tenant_id = ${tenantId} and d.id = any(${`{${ids.join(',')}}`}::text[])`);
    return new Map(rows.map((r) => [r.document_id, r]));
  };
  for (const item of items) {
    try {
      if (item.resource_type === 'document') {
        const { doc, resource } = await loadDocument(tx, tenantId, item.resource_id);
        await authorize(tx, actor, 'read', resource);
        if (doc.trashedAt) throw new QuireError('conflict', 'document is in the trash');
        const v = (await versionOf([doc.id])).get(doc.id)!;
        const version = toVersion(v.v);
        files.push({
          path: claim(safeName(version.filename)),
          documentId: doc.id,
          title: doc.title,
          version,
          updatedAt: doc.updatedAt,
        });
      } else {
        const { row, resource } = await loadFolder(tx, tenantId, item.resource_id);
        await authorize(tx, actor, 'read', resource);
        if (row.trashedAt) throw new QuireError('conflict', 'folder is in the trash');
        const bound = `${row.path.slice(0, -1)}0`;
        const folderRows = await tx.execute<{ id: string; name: string }>(sql`
          select id, name from folders where tenant_id = ${tenantId} and path ~>=~ ${row.path} and path ~<~ ${bound}`);
        const names = new Map(folderRows.map((f) => [f.id, f.name]));
        const docs = await tx.execute<{ id: string; path: string }>(sql`
          select d.id, f.path from documents d join folders f on f.tenant_id = d.tenant_id and f.id = d.folder_id
          where d.tenant_id = ${tenantId} and d.trashed_at is null and f.trashed_at is null
            and f.path ~>=~ ${row.path} and f.path ~<~ ${bound}
          order by f.path, d.id limit ${MAX_EXPORT_FILES + 1}`);
        if (files.length + docs.length > MAX_EXPORT_FILES)
          throw new QuireError('limit_exceeded', `an export holds at most ${MAX_EXPORT_FILES} documents`);
        const base = idsFromPath(row.path).length - 1;
        for (let i = 0; i < docs.length; i += 1000) {
          const slice = docs.slice(i, i + 1000);
          const versions = await versionOf(slice.map((d) => d.id));
          for (const d of slice) {
            const v = versions.get(d.id)!;
            const version = toVersion(v.v);
            const dirs = idsFromPath(d.path)
              .slice(base)
              .map((id) => safeName(names.get(id) ?? id));
            files.push({
              path: claim([...dirs, safeName(version.filename)].join('/')),
              documentId: d.id,
              title: v.title,
              version,
              updatedAt: new Date(v.updated_at),
            });
          }
        }
      }
      if (files.length > MAX_EXPORT_FILES)
        throw new QuireError('limit_exceeded', `an export holds at most ${MAX_EXPORT_FILES} documents`);
      outcomes.push({ seq: item.seq, status: 'done' });
    } catch (err) {
      if (err instanceof QuireError && err.code === 'limit_exceeded') throw err;
      if (!(err instanceof QuireError)) throw err;
      outcomes.push({ seq: item.seq, status: 'failed', code: err.code, message: err.message });
    }
  }
  return { files, itemOutcomes: outcomes };
}

function toVersion(v: Record<string, unknown>): VersionRow {
  return {
    tenantId: v.tenant_id as string,
    id: v.id as string,
    documentId: v.document_id as string,
    number: Number(v.number),
    filename: v.filename as string,
    contentType: v.content_type as string,
    size: Number(v.size),
    sha256: v.sha256 as string,
    blobKey: v.blob_key as string,
    // row_to_json renders bytea as "\x…" hex.
    wrappedKey: Buffer.from(String(v.wrapped_key).replace(/^\\x/, ''), 'hex'),
    keyRef: v.key_ref as string,
    restoredFrom: (v.restored_from as string | null) ?? null,
    createdBy: v.created_by as string,
    createdAt: new Date(v.created_at as string),
  };
}

class Cancelled extends Error {}

/**
 * A bulk export: a zip of the readable documents (folders as folders) with `manifest.json`
 * (items and their outcome, files with their document, version, size and sha256), streamed
 * document by document (one open at a time: memory does not grow with the export) and
 * encrypted into the blob store under a fresh data key. Each exported document is audited.
 */
export async function runExport(deps: CellDeps, job: BulkJobRow): Promise<void> {
  const tenantId = job.tenantId;
  const tx1 = await withTenantTx(deps.db, tenantId, async (tx) => {
    const actor = await jobActor(tx, tenantId, job.createdBy);
    if (!actor) return { ended: await finish(deps, tx, job, 'failed', 'its creator is no longer active') };
    // A run taken over from a crashed worker starts the zip again.
    await tx.execute(sql`update bulk_job_items set status = 'pending', error_code = null, error_message = null
      where tenant_id = ${tenantId} and job_id = ${job.id} and status <> 'cancelled'`);
    let collected: Collected;
    try {
      collected = await collect(tx, tenantId, actor, job.id);
    } catch (err) {
      if (err instanceof QuireError) return { ended: await finish(deps, tx, job, 'failed', err.message) };
      throw err;
    }
    for (const o of collected.itemOutcomes) {
      await tx.execute(sql`update bulk_job_items set status = ${o.status}, error_code = ${o.code ?? null}, error_message = ${o.message ?? null}
        where tenant_id = ${tenantId} and job_id = ${job.id} and seq = ${o.seq}`);
    }
    const done = collected.itemOutcomes.filter((o) => o.status === 'done').length;
    await updateJob(tx, tenantId, job.id, {
      doneCount: done,
      failedCount: collected.itemOutcomes.length - done,
      result: { phase: 'writing', files: collected.files.length, filesWritten: 0 },
    });
    return { collected, actor };
  });
  if ('ended' in tx1) {
    deliver(deps, tx1.ended?.notified);
    dispatch(deps, tx1.ended?.emitted);
    return;
  }
  const { collected, actor } = tx1;
  const key = blobKey(tenantId, 'exports', `${job.id}.zip`);
  let written = 0;
  let bytes = 0;
  let cancelled = false;
  const watch = setInterval(() => {
    void withTenantTx(deps.db, tenantId, async (tx) => {
      const j = await findJob(tx, tenantId, job.id);
      if (j?.cancelRequestedAt) cancelled = true;
      await tx.execute(sql`update bulk_jobs set lease_until = now() + make_interval(secs => ${LEASE_SECONDS}),
        result = jsonb_set(coalesce(result, '{}'::jsonb), '{filesWritten}', to_jsonb(${written}::int))
        where tenant_id = ${tenantId} and id = ${job.id}`);
    }).catch(() => {});
    publishLive(deps.redis, userChannel(tenantId, job.createdBy), {
      type: 'bulk.progress',
      job: {
        id: job.id,
        kind: 'export',
        status: 'running',
        filesWritten: written,
        files: collected.files.length,
      },
    });
  }, 1_000);
  let zipped: EncryptedZip;
  try {
    const manifest = {
      job: { id: job.id, kind: 'export', createdBy: job.createdBy, createdAt: job.createdAt.toISOString() },
      generatedAt: new Date().toISOString(),
      items: collected.itemOutcomes.map((o) => ({
        seq: o.seq,
        status: o.status,
        error: o.code ? { code: o.code, message: o.message } : null,
      })),
      files: collected.files.map((f) => ({
        path: f.path,
        documentId: f.documentId,
        title: f.title,
        versionId: f.version.id,
        contentType: f.version.contentType,
        size: f.version.size,
        sha256: f.version.sha256,
      })),
    };
    zipped = await writeEncryptedZip(deps, tenantId, {
      key,
      aad: aad(tenantId, job.id),
      buffers: [{ path: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2)) }],
      files: collected.files.map((f) => ({ path: f.path, version: f.version, mtime: f.updatedAt })),
      beforeFile: () => {
        if (cancelled) throw new Cancelled('cancelled');
      },
      afterFile: (f) => {
        written += 1;
        bytes += f.version.size;
      },
    });
  } catch (err) {
    clearInterval(watch);
    const ended = await withTenantTx(deps.db, tenantId, async (tx) => {
      const j = (await findJob(tx, tenantId, job.id))!;
      return cancelled || err instanceof Cancelled
        ? finish(deps, tx, j, 'cancelled')
        : finish(deps, tx, j, 'failed', 'the export could not be written');
    });
    if (!(err instanceof Cancelled) && !cancelled)
      deps.log.error('bulk export failed', { tenantId, jobId: job.id, err: String(err) });
    deliver(deps, ended.notified);
    dispatch(deps, ended.emitted);
    return;
  } finally {
    clearInterval(watch);
  }

  const ended = await withTenantTx(deps.db, tenantId, async (tx) => {
    for (let i = 0; i < collected.files.length; i += 1000) {
      await appendInTx(
        tx,
        collected.files.slice(i, i + 1000).map((f) =>
          auditEntry(jobOrigin(tenantId, job.id), actor.userId, {
            action: 'document.exported',
            resourceType: 'document',
            resourceId: f.documentId,
            details: { bulkJobId: job.id, versionId: f.version.id },
          }),
        ),
      );
    }
    const j = (await updateJob(tx, tenantId, job.id, {
      resultBlobKey: key,
      resultWrappedKey: zipped.wrappedKey,
      resultKeyRef: zipped.keyRef,
    }))!;
    return finish(deps, tx, j, 'done', undefined, {
      phase: 'done',
      files: collected.files.length,
      filesWritten: written,
      bytes,
    });
  });
  publishLive(deps.redis, userChannel(tenantId, job.createdBy), { type: 'bulk.progress', job: ended.job });
  deliver(deps, ended.notified);
  dispatch(deps, ended.emitted);
}

/** The plaintext zip of a finished export, decrypted as it streams. */
export function readExport(deps: CellDeps, job: BulkJobRow): Promise<Readable> {
  return readEncryptedZip(deps, job.tenantId, {
    key: job.resultBlobKey!,
    aad: aad(job.tenantId, job.id),
    wrappedKey: job.resultWrappedKey!,
  });
}
