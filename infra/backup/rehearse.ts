/**
 * `node infra/backup/rehearse.ts [--archive-timeout S] [--documents N] [--ballast-mb MB] [--keep]`: the backup
 * rehearsal (rehearsal/run.ts) from the command line, printing what it measured: the RTO (time
 * to restore a cell as of T, and until the restored cell served its first verified download)
 * and the RPO bound (archive_timeout, and how long the last commit took to reach the archive).
 * Needs root or the postgres OS user's rights (it runs throwaway clusters), redis-server and
 * the PostgreSQL server binaries; touches nothing of the local stack. Exit 1 on any mismatch.
 */
import { runRehearsal } from './rehearsal/run.ts';

const args = process.argv.slice(2);
const value = (flag: string, fallback: number): number => {
  const i = args.indexOf(flag);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`rehearse: ${flag} needs a positive whole number`);
    process.exit(2);
  }
  return n;
};

const started = Date.now();
try {
  const r = await runRehearsal({
    archiveTimeoutSeconds: value('--archive-timeout', 60),
    documentsPerPhase: value('--documents', 4),
    ballastMb: args.includes('--ballast-mb') ? value('--ballast-mb', 0) : 0,
    keep: args.includes('--keep'),
    log: (line) => console.error(`  ${line}`),
  });
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`
Backup rehearsal passed in ${s(Date.now() - started)}${args.includes('--keep') ? ` (kept: ${r.folder})` : ''}
  restored as of T = ${r.targetTime} (last replayed commit ${r.lastReplayedCommit})
  RTO  whole cell restored in ${s(r.rto.restoreMs)}: Postgres ${s(r.rto.pgMs)} (copy ${s(r.rto.pgCopyMs)}, WAL replay
       ${s(r.rto.pgReplayMs)} for ${(r.rto.walReplayedBytes / 1048576).toFixed(1)} MB), ${(r.rto.blobBytes / 1048576).toFixed(1)} MB of blobs beside it;
       first verified download ${s(r.rto.firstDownloadMs)} after the restore began
  RPO  bound: archive_timeout ${r.rpo.archiveTimeoutSeconds} s; the last commit reached the archive after
       ${s(r.rpo.commitToArchiveMs)} (WAL ${r.rpo.lastArchivedWal} at ${r.rpo.lastArchivedAt})
  rows: every table equals its count at T (${r.countsAtT.document_versions} versions at T, ${r.countsFinal.document_versions} at the end)
  ${r.downloadsVerified} versions downloaded with their sha256; ${r.auditLinksVerified} audit links verified
  tenant ${r.tenantRestore.tenantId} restored in ${s(r.tenantRestore.ms)} (blobs ${JSON.stringify(r.tenantRestore.blobs)});
       untouched: ${r.tenantRestore.othersUntouched.join(', ')}
  steps: ${Object.entries(r.durationsMs)
    .map(([k, v]) => `${k} ${s(v)}`)
    .join(', ')}`);
} catch (err) {
  console.error(`rehearse: FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
