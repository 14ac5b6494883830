import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { bootstrapCellDatabase } from '../../../cell/src/db/bootstrap.ts';
import { migrateCellDatabase } from '../../../cell/src/db/migrate.ts';
import type { TestCell } from '../../../test/support/harness.ts';
import {
  addDocuments,
  deleteDocument,
  newTenant,
  openCell,
  type RehearsalTenant,
  seal,
  signIn,
  verifyAudit,
  verifyDownloads,
} from './cell.ts';
import { countDiff, tableCounts } from './measure.ts';
import { createCluster, existingCluster, freePort, startRedis } from './servers.ts';
import { rehearseTenantRestore } from './tenant-phase.ts';

/**
 * The backup rehearsal: a throwaway cell (its own Postgres cluster and Redis) gets real traffic,
 * is backed up with the operator's scripts (configure-archiving, base-backup, backup-files),
 * written to after time T, then restored as of T into a fresh cluster and cell folder with
 * restore-cell.sh, and checked: row counts of every table equal those at T, every version
 * downloads through the restored cell with the sha256 its row stores, every tenant's audit chain
 * verifies. Then one tenant of the live cell is put back as of T with tenant-restore-cli.ts
 * while the others are checked untouched. Any mismatch throws; the figures are returned.
 */
export interface RehearsalOptions {
  /** archive_timeout (s): the database's RPO bound. Production uses 60; a test may go lower. */
  archiveTimeoutSeconds?: number;
  documentsPerPhase?: number;
  /**
   * MB of extra WAL written after the base backup (rows in a scratch table of the `postgres`
   * database, not the cell's), to measure how fast a restore replays WAL: the RTO's main term.
   */
  ballastMb?: number;
  /**
   * fsync off in the throwaway cluster (and so in its restore): for CI on a busy disk, where the
   * point is correctness; the figures worth quoting come from a run with it on (the default).
   */
  noFsync?: boolean;
  /** Keep the temp folder (logs, backup, clusters stopped) for inspection. */
  keep?: boolean;
  log?: (line: string) => void;
}

export interface RehearsalReport {
  targetTime: string;
  rpo: {
    archiveTimeoutSeconds: number;
    commitToArchiveMs: number;
    lastArchivedWal: string;
    lastArchivedAt: string;
  };
  rto: {
    restoreMs: number;
    firstDownloadMs: number;
    pgCopyMs: number;
    pgReplayMs: number;
    /** restore-pg.sh alone (the blobs are copied beside it). */
    pgMs: number;
    /** WAL between the base backup's end and T: what the replay went through. */
    walReplayedBytes: number;
    blobBytes: number;
  };
  lastReplayedCommit: string;
  countsAtT: Record<string, number>;
  countsFinal: Record<string, number>;
  downloadsVerified: number;
  auditLinksVerified: number;
  tenantRestore: { tenantId: string; ms: number; blobs: Record<string, number>; othersUntouched: string[] };
  durationsMs: Record<string, number>;
  folder: string;
}

const run = promisify(execFile);
const HERE = fileURLToPath(new URL('..', import.meta.url));
const DB = 'quire_rehearsal';

/** Runs one of the backup scripts; its key=value stdout lines come back as a map. */
async function script(
  file: string,
  args: string[],
  env: Record<string, string>,
): Promise<Record<string, string>> {
  const cmd = file.endsWith('.ts') ? process.execPath : 'bash';
  try {
    const { stdout } = await run(cmd, [join(HERE, file), ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', QUIRE_NODE: process.execPath, ...env },
      maxBuffer: 16 << 20,
    });
    return Object.fromEntries(
      stdout
        .split('\n')
        .filter((l) => /^[a-z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${file} failed:\n${e.stderr || e.message}`);
  }
}

const withPort = (url: string, port: number) => {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
};

export async function runRehearsal(o: RehearsalOptions = {}): Promise<RehearsalReport> {
  const say = o.log ?? (() => {});
  const archiveTimeout = o.archiveTimeoutSeconds ?? 60;
  const perPhase = o.documentsPerPhase ?? 4;
  // /var/tmp: the postgres OS user must enter it (not root's home); the parent of the clusters.
  const root = mkdtempSync('/var/tmp/quire-rehearsal-');
  chmodSync(root, 0o755);
  const backupDir = join(root, 'backup');
  const liveDir = join(root, 'live-cell');
  const durations: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const result = await work();
    durations[name] = Date.now() - t0;
    say(`${name}: ${durations[name]} ms`);
    return result;
  };
  const cleanups: (() => Promise<unknown>)[] = [];
  const closeCell = async (cell: TestCell | undefined) => cell?.close();
  try {
    const redis = await startRedis(join(root, 'redis'));
    cleanups.push(() => redis.stop());
    const live = await timed('cluster', () => createCluster(join(root, 'live-pg'), { noFsync: o.noFsync }));
    cleanups.push(() => live.stop());
    const backupEnv = {
      QUIRE_BACKUP_DIR: backupDir,
      QUIRE_BACKUP_PG_URL: live.url(),
      QUIRE_BACKUP_ARCHIVE_TIMEOUT: String(archiveTimeout),
      BLOB_STORE: 'fs',
      KEYRING: 'local',
      BLOB_DIR: join(liveDir, 'blobs'),
      KEYRING_DIR: join(liveDir, 'keyring'),
      SIGNING_KEY_FILE: join(liveDir, 'signing-keys.json'),
    };
    await timed('configure archiving + restart', async () => {
      chmodSync(root, 0o755);
      await script('configure-archiving.sh', [], backupEnv);
      await live.restart();
    });
    const { ownerUrl, appUrl } = await timed('cell database (bootstrap + migrations)', async () => {
      const urls = await bootstrapCellDatabase({
        adminUrl: live.url(),
        database: DB,
        ownerPassword: 'rehearsal-owner-pw',
        appPassword: 'rehearsal-app-pw',
      });
      await migrateCellDatabase(urls.ownerUrl);
      return urls;
    });
    const superLive = postgres(live.url(DB), { max: 1, onnotice: () => {} });
    cleanups.push(() => superLive.end());

    // Phase 1: three tenants, documents, versions; then the files and a base backup.
    let cell: TestCell | undefined = await openCell({
      databaseUrl: appUrl,
      redisUrl: redis.url,
      dir: liveDir,
    });
    cleanups.push(() => closeCell(cell));
    const tenants: RehearsalTenant[] = [];
    await timed('workload before the base backup', async () => {
      for (let i = 0; i < 3; i++) tenants.push(await newTenant(cell!));
      for (const t of tenants) await addDocuments(cell!, t, perPhase, 'one');
      await seal(cell!);
    });
    await timed('backup-files (1)', () => script('backup-files.sh', [], backupEnv));
    await timed('base-backup', () => script('base-backup.sh', [], backupEnv));

    // Phase 2: only in the WAL archive (and the next files snapshot).
    await timed('workload after the base backup', async () => {
      for (const t of tenants) await addDocuments(cell!, t, perPhase, 'two');
      await seal(cell!);
    });
    if (o.ballastMb)
      await timed(`ballast (${o.ballastMb} MB of WAL)`, async () => {
        const scratch = postgres(live.url(), { max: 1, onnotice: () => {} });
        try {
          await scratch`create table rehearsal_ballast (i int, t text)`;
          // ~100 bytes of WAL per row; in batches, so each commit stays small.
          for (let mb = 0; mb < o.ballastMb!; mb += 16)
            await scratch`insert into rehearsal_ballast select g, md5(g::text) || md5((g + 1)::text)
                          from generate_series(1, 160000) g`;
        } finally {
          await scratch.end();
        }
      });
    await timed('backup-files (2)', () => script('backup-files.sh', [], backupEnv));

    // T: nothing writes (the cell is closed), so the counts read now are the state at T.
    await cell.close();
    cell = undefined;
    const countsAtT = await tableCounts(superLive);
    const [{ t: targetTime, lsn: lsnAtT } = { t: '', lsn: '' }] = await superLive<
      { t: string; lsn: string }[]
    >`
      select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as t,
             pg_current_wal_lsn()::text as lsn`;
    say(`T = ${targetTime}`);
    await new Promise((r) => setTimeout(r, 200));

    // Phase 3, after T: more documents, and one document of tenant A deleted for good.
    const [a, b, c] = tenants as [RehearsalTenant, RehearsalTenant, RehearsalTenant];
    cell = await openCell({ databaseUrl: appUrl, redisUrl: redis.url, dir: liveDir });
    await timed('workload after T', async () => {
      await addDocuments(cell!, a, perPhase, 'three');
      await deleteDocument(cell!, a, a.documents[0]!);
      for (const t of [b, c]) await addDocuments(cell!, t, 1, 'three');
      await seal(cell!);
    });
    await timed('backup-files (3)', () => script('backup-files.sh', [], backupEnv));
    await cell.close();
    cell = undefined;
    const countsFinal = await tableCounts(superLive);
    if (countsFinal.document_versions === countsAtT.document_versions)
      throw new Error('the writes after T changed nothing: the rehearsal would prove nothing');

    // RPO: how long the last commit took to reach the archive, with no manual WAL switch.
    const rpo = await timed('last commit reaches the archive', async () => {
      const [{ wal } = { wal: '' }] = await superLive<{ wal: string }[]>`
        select pg_walfile_name(pg_current_wal_insert_lsn()) as wal`;
      const t0 = Date.now();
      const deadline = t0 + (archiveTimeout + 30) * 1000;
      for (;;) {
        const [s] = await superLive<{ last: string | null; at: Date | null }[]>`
          select last_archived_wal as last, last_archived_time as at from pg_stat_archiver`;
        if (s?.last && s.last >= wal)
          return {
            archiveTimeoutSeconds: archiveTimeout,
            commitToArchiveMs: Date.now() - t0,
            lastArchivedWal: s.last,
            lastArchivedAt: s.at!.toISOString(),
          };
        if (Date.now() > deadline) throw new Error(`WAL ${wal} not archived within archive_timeout + 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    });

    // Restore the whole cell as of T into a fresh cluster and cell folder.
    const restoredData = join(root, 'restored-pg', 'data');
    const restoredCellDir = join(root, 'restored-cell');
    const port = await freePort();
    const restoreStarted = Date.now();
    const figures = await timed('restore-cell', () =>
      script(
        'restore-cell.sh',
        [
          '--target-time',
          targetTime,
          '--pgdata',
          restoredData,
          '--port',
          String(port),
          '--cell-dir',
          restoredCellDir,
          '--database',
          DB,
        ],
        { QUIRE_BACKUP_DIR: backupDir },
      ),
    );
    const restored = existingCluster({
      data: restoredData,
      port,
      socketDir: `${restoredData}.run`,
      password: new URL(live.url()).password,
    });
    cleanups.push(() => restored.stop());
    const superRestored = postgres(restored.url(DB), { max: 1, onnotice: () => {} });
    cleanups.push(() => superRestored.end());
    const baseManifest = readFileSync(join(backupDir, 'base', figures.base!, 'manifest.json'), 'utf8');
    const baseEnd = (JSON.parse(baseManifest) as { endLsn: string }).endLsn;
    const [{ bytes: walReplayedBytes } = { bytes: 0 }] = await superLive<{ bytes: number }[]>`
      select pg_wal_lsn_diff(${lsnAtT}::pg_lsn, ${baseEnd}::pg_lsn)::float8 as bytes`;
    const diff = countDiff(countsAtT, await tableCounts(superRestored));
    if (diff.length) throw new Error(`restored row counts differ from those at T: ${diff.join('; ')}`);
    say('row counts of every table equal those at T');

    let side: TestCell | undefined = await openCell({
      databaseUrl: withPort(appUrl, port),
      redisUrl: `${redis.url}/1`,
      dir: restoredCellDir,
    });
    cleanups.push(() => closeCell(side));
    let downloads = 0;
    let firstDownloadAt = 0;
    let auditLinks = 0;
    await timed('verify the restored cell', async () => {
      for (const t of tenants) {
        const admin = await signIn(side!, t);
        const d = await verifyDownloads(side!, superRestored, t, admin);
        downloads += d.checked;
        firstDownloadAt ||= d.firstAt;
        const audit = await verifyAudit(side!, admin);
        if (!audit.ok || audit.checked === 0)
          throw new Error(`${t.tenantId}: audit chain ${JSON.stringify(audit)}`);
        auditLinks += audit.checked;
      }
    });
    await side.close();
    side = undefined;
    say(`${downloads} versions downloaded with the right sha256; ${auditLinks} audit links verified`);

    // Tenant A back as of T in the live cell; B and C must not move.
    cell = await openCell({ databaseUrl: appUrl, redisUrl: redis.url, dir: liveDir });
    const tenantReport = await timed('tenant-restore phase', () =>
      rehearseTenantRestore({
        cell: cell!,
        tenants: [a, b, c],
        targetTime,
        live: { sql: superLive, ownerUrl, dir: liveDir },
        side: { sql: superRestored, ownerUrl: withPort(ownerUrl, port), dir: restoredCellDir },
      }),
    );
    say(`tenant ${a.tenantId} restored in ${tenantReport.ms} ms; the other two untouched`);

    // Retention keeps what a restore since the oldest base backup needs, and drops the WAL before it.
    await timed('prune', () =>
      script('prune.sh', [], { QUIRE_BACKUP_DIR: backupDir, QUIRE_BACKUP_KEEP_BASE: '1' }),
    );
    const startWal = (JSON.parse(baseManifest) as { startWal: string }).startWal;
    const walLeft = readdirSync(join(backupDir, 'wal')).filter((f) => /^[0-9A-F]{24}$/.test(f));
    if (walLeft.length === 0 || walLeft.some((f) => f < startWal))
      throw new Error(`prune left ${walLeft.length} WAL files, some before the base backup's ${startWal}`);

    return {
      targetTime,
      rpo,
      rto: {
        restoreMs: durations['restore-cell']!,
        firstDownloadMs: firstDownloadAt - restoreStarted,
        pgCopyMs: Number(figures.copy_ms),
        pgReplayMs: Number(figures.replay_ms),
        pgMs: Number(figures.pg_ms),
        walReplayedBytes,
        blobBytes: (JSON.parse(figures.blobs ?? '{}') as { bytes?: number }).bytes ?? 0,
      },
      lastReplayedCommit: figures.last_replayed_commit ?? '',
      countsAtT,
      countsFinal,
      downloadsVerified: downloads,
      auditLinksVerified: auditLinks,
      tenantRestore: { tenantId: a.tenantId, ...tenantReport },
      durationsMs: durations,
      folder: root,
    };
  } finally {
    for (const done of cleanups.reverse()) await done().catch(() => {});
    if (!o.keep) rmSync(root, { recursive: true, force: true });
  }
}
