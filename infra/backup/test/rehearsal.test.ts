import { describe, expect, it } from 'vitest';
import { runRehearsal } from '../rehearsal/run.ts';

/**
 * The backup rehearsal end to end (rehearsal/run.ts), on throwaway servers it starts itself:
 * a Postgres cluster with WAL archiving, a redis-server, a cell with real traffic; a restore as
 * of T into a fresh cluster checked row by row and blob by blob; one tenant put back into the
 * live cell with the others untouched. archive_timeout is 5 s here (60 s in production) so the
 * wait for the last WAL segment stays short, and fsync is off in the throwaway cluster (a busy CI
 * disk; `node infra/backup/rehearse.ts` measures with it on).
 */
describe('backup and restore rehearsal', () => {
  it('restores a cell as of T, then one tenant into the live cell', async () => {
    const r = await runRehearsal({
      archiveTimeoutSeconds: 5,
      documentsPerPhase: 3,
      noFsync: true,
      log: (l) => console.log(l),
    });
    console.log(
      `RTO: restore ${r.rto.restoreMs} ms, first download ${r.rto.firstDownloadMs} ms; ` +
        `RPO: archive_timeout ${r.rpo.archiveTimeoutSeconds} s, last commit archived after ${r.rpo.commitToArchiveMs} ms`,
    );
    expect(r.countsAtT.document_versions).toBeLessThan(r.countsFinal.document_versions!);
    expect(r.downloadsVerified).toBe(r.countsAtT.document_versions);
    expect(r.auditLinksVerified).toBeGreaterThan(0);
    expect(r.rpo.commitToArchiveMs).toBeLessThan((r.rpo.archiveTimeoutSeconds + 10) * 1000);
    expect(r.tenantRestore.othersUntouched).toHaveLength(2);
    expect(r.tenantRestore.blobs.removed).toBeGreaterThan(0);
    expect(r.tenantRestore.blobs.restored).toBeGreaterThan(0);
  }, 180_000);
});
