import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type postgres from 'postgres';
import type { TestCell } from '../../../test/support/harness.ts';
import { CLEARED, KEPT_LIVE } from '../tenant-tables.ts';
import { type RehearsalTenant, seal, setTenantStatus, signIn, verifyAudit, verifyDownloads } from './cell.ts';
import { blobSums, countDiff, tenantCounts } from './measure.ts';

/**
 * The single-tenant part of the rehearsal: tenant A of the live cell is put back as of T from
 * the restored side cell with tenant-restore-cli.ts (the operator's command), following the
 * runbook: refused while active, suspended, restored, resumed. Then A's rows and blobs equal the
 * backup's, B and C have not moved by one row or one byte, A's versions download with their
 * sha256 and A's audit chain verifies with the `tenant.restored` entry at its end.
 */
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../tenant-restore-cli.ts', import.meta.url));

interface Side {
  /** Superuser connection to the cell database (checks only). */
  sql: postgres.Sql;
  /** Owner-role URL (what the operator gives the tool). */
  ownerUrl: string;
  /** The cell folder: blobs/, keyring/. */
  dir: string;
}

export async function rehearseTenantRestore(o: {
  cell: TestCell;
  tenants: [RehearsalTenant, RehearsalTenant, RehearsalTenant];
  targetTime: string;
  live: Side;
  side: Side;
}): Promise<{ ms: number; blobs: Record<string, number>; othersUntouched: string[] }> {
  const [a, ...others] = o.tenants;
  const liveBlobs = join(o.live.dir, 'blobs');
  const before = await Promise.all(
    others.map(async (t) => ({
      t,
      counts: await tenantCounts(o.live.sql, t.tenantId),
      sums: await blobSums(liveBlobs, t.tenantId),
    })),
  );
  const restore = () =>
    run(
      process.execPath,
      [
        CLI,
        ...['--tenant', a.tenantId, '--as-of', o.targetTime, '--reason', 'backup rehearsal'],
        ...['--from-blobs', join(o.side.dir, 'blobs'), '--from-keyring', join(o.side.dir, 'keyring')],
        ...['--to-blobs', liveBlobs, '--to-keyring', join(o.live.dir, 'keyring')],
      ],
      // The URLs through the environment: no password in the process list.
      {
        env: { ...process.env, QUIRE_RESTORE_FROM_DB: o.side.ownerUrl, QUIRE_RESTORE_TO_DB: o.live.ownerUrl },
      },
    );

  const refused = await restore().then(
    () => '',
    (err: { stderr?: string }) => err.stderr ?? '',
  );
  if (!/is active: suspend it first/.test(refused))
    throw new Error(`an active tenant was not refused: ${refused}`);
  await setTenantStatus(o.cell, a.tenantId, 'suspended');
  const out = await restore().catch((err: { stderr?: string; message: string }) => {
    throw new Error(`tenant-restore failed:\n${err.stderr || err.message}`);
  });
  const report = JSON.parse(out.stdout) as { ms: number; blobs: Record<string, number> };
  await setTenantStatus(o.cell, a.tenantId, 'active');

  const skip = new Set([...KEPT_LIVE, ...CLEARED, 'tenants']);
  const aDiff = countDiff(
    await tenantCounts(o.side.sql, a.tenantId),
    await tenantCounts(o.live.sql, a.tenantId),
    skip,
  );
  if (aDiff.length)
    throw new Error(`tenant A differs from the backup after its restore: ${aDiff.join('; ')}`);
  const sideSums = JSON.stringify(await blobSums(join(o.side.dir, 'blobs'), a.tenantId));
  if (sideSums !== JSON.stringify(await blobSums(liveBlobs, a.tenantId)))
    throw new Error("tenant A's blobs differ from the backup's after its restore");
  for (const b of before) {
    const d = countDiff(b.counts, await tenantCounts(o.live.sql, b.t.tenantId));
    if (d.length) throw new Error(`${b.t.tenantId} changed during A's restore: ${d.join('; ')}`);
    if (JSON.stringify(b.sums) !== JSON.stringify(await blobSums(liveBlobs, b.t.tenantId)))
      throw new Error(`${b.t.tenantId}'s blobs changed during A's restore`);
  }

  await seal(o.cell);
  const admin = await signIn(o.cell, a);
  await verifyDownloads(o.cell, o.live.sql, a, admin);
  const audit = await verifyAudit(o.cell, admin);
  if (!audit.ok) throw new Error(`tenant A's audit after its restore: ${JSON.stringify(audit)}`);
  const [restoredEntry] = await o.live.sql<{ n: number }[]>`
    select count(*)::int as n from audit_log where tenant_id = ${a.tenantId} and action = 'tenant.restored'`;
  if (restoredEntry?.n !== 1) throw new Error('no tenant.restored entry in the live audit log');
  return { ms: report.ms, blobs: report.blobs, othersUntouched: before.map((b) => b.t.tenantId) };
}
