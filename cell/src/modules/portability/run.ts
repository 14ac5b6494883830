import { sql } from 'drizzle-orm';
import { blobKey } from '../../adapters/blob-store/port.ts';
import { appendInTx } from '../../audit-trail/append.ts';
import { auditEntry, auditOrigin } from '../../audit-trail/entry.ts';
import type { CellDeps } from '../../context.ts';
import type { PortabilityExportRow } from '../../db/schema/index.ts';
import { withTenantTx } from '../../db/tenant-tx.ts';
import { writeEncryptedZip } from '../bulk/zip.ts';
import { collect } from './manifest.ts';
import { updateExport } from './repo.ts';

/** A running export renews this lease every second; past it, the sweep hands it to another run. */
const LEASE_SECONDS = 60;
/** How long a finished export can be downloaded. */
export const EXPORT_TTL_MS = 7 * 24 * 3600 * 1000;

export const exportAad = (tenantId: string, exportId: string) =>
  `quire/v1/${tenantId}/portability/${exportId}`;

/**
 * Makes one portability export (a job of the collaboration queue, one tenant's work): claims it
 * (queued, or running with a lapsed lease), reads the manifest in one snapshot, and writes the
 * zip — `manifest.json`, `activity.json` (the audit trail's entries), `files/<doc>/<version>` —
 * through the bulk export's zip path, encrypted under the tenant's key into the blob store.
 * Progress (files written) is on the row; a crash mid-way is taken over by the next run.
 */
export async function runPortabilityExport(
  deps: CellDeps,
  { tenantId, exportId }: { tenantId: string; exportId: string },
): Promise<void> {
  const claimed = await withTenantTx(deps.db, tenantId, async (tx) => {
    const rows = await tx.execute<{ id: string }>(sql`
      update portability_exports set status = 'running', started_at = coalesce(started_at, now()),
        progress_done = 0, lease_until = now() + make_interval(secs => ${LEASE_SECONDS})
      where tenant_id = ${tenantId} and id = ${exportId}
        and (status = 'queued' or (status = 'running' and lease_until < now()))
      returning id`);
    if (rows.length === 0) return null;
    const [row] = await tx.execute<Record<string, unknown>>(
      sql`select scope, subject_user_id, requested_by from portability_exports where tenant_id = ${tenantId} and id = ${exportId}`,
    );
    const data = await collect(tx, {
      tenantId,
      exportId,
      scope: row!.scope as 'user' | 'tenant',
      subjectUserId: (row!.subject_user_id as string | null) ?? null,
    });
    await updateExport(tx, tenantId, exportId, { progressTotal: data.files.length });
    return { data, requestedBy: row!.requested_by as string };
  });
  if (!claimed) return;
  const { data } = claimed;
  const key = blobKey(tenantId, 'portability', `${exportId}.zip`);
  let written = 0;
  const watch = setInterval(() => {
    void withTenantTx(deps.db, tenantId, (tx) =>
      tx.execute(sql`update portability_exports set progress_done = ${written},
        lease_until = now() + make_interval(secs => ${LEASE_SECONDS})
        where tenant_id = ${tenantId} and id = ${exportId} and status = 'running'`),
    ).catch(() => {});
  }, 1_000);
  let done: PortabilityExportRow | undefined;
  try {
    const zipped = await writeEncryptedZip(deps, tenantId, {
      key,
      aad: exportAad(tenantId, exportId),
      buffers: [
        { path: 'manifest.json', data: Buffer.from(JSON.stringify(data.manifest, null, 2)) },
        { path: 'activity.json', data: Buffer.from(JSON.stringify(data.activity)) },
      ],
      files: data.files,
      afterFile: () => {
        written += 1;
      },
    });
    clearInterval(watch);
    done = await withTenantTx(deps.db, tenantId, async (tx) => {
      const now = new Date();
      const row = await updateExport(tx, tenantId, exportId, {
        status: 'done',
        progressDone: data.files.length,
        blobKey: key,
        wrappedKey: zipped.wrappedKey,
        keyRef: zipped.keyRef,
        size: zipped.size,
        finishedAt: now,
        expiresAt: new Date(now.getTime() + EXPORT_TTL_MS),
        leaseUntil: null,
      });
      await appendInTx(tx, [
        auditEntry(
          auditOrigin(tenantId, { requestId: `export-${exportId}`, client: { ip: null, userAgent: null } }),
          'portability',
          {
            action: 'portability.export_done',
            resourceType: 'portability_export',
            resourceId: exportId,
            details: { counts: data.manifest.counts, bytes: zipped.size },
          },
          'system',
        ),
      ]);
      return row;
    });
  } catch (err) {
    clearInterval(watch);
    deps.log.error('portability export failed', { tenantId, exportId, err: String(err) });
    await withTenantTx(deps.db, tenantId, (tx) =>
      updateExport(tx, tenantId, exportId, {
        status: 'failed',
        error: 'the export could not be written',
        finishedAt: new Date(),
        leaseUntil: null,
      }),
    ).catch(() => {});
    return;
  }
  deps.log.info('portability export done', { tenantId, exportId, files: done?.progressDone });
}

/** Exports whose job was lost (queued, or running with a lapsed lease): the worker's sweep runs them. */
export async function dueExports(deps: CellDeps, tenantId: string): Promise<string[]> {
  const rows = await withTenantTx(deps.db, tenantId, (tx) =>
    tx.execute<{ id: string }>(sql`select id from portability_exports where tenant_id = ${tenantId}
      and ((status = 'queued' and created_at < now() - interval '1 minute')
        or (status = 'running' and lease_until < now()))`),
  );
  return rows.map((r) => r.id);
}
