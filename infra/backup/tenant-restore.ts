import { readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import postgres from 'postgres';
import { copyDurably, fsyncPath } from './files.ts';
import { referencedBlobKeys, removeOtherBlobs, sha256OrNull, stageBlobs } from './tenant-blobs.ts';
import {
  CLEARED,
  KEPT_LIVE,
  quoteIdent,
  schemaFingerprint,
  type TenantTable,
  tenantTables,
} from './tenant-tables.ts';

/**
 * Puts one tenant back as it was in a backup, in the live cell, leaving every other tenant alone.
 * The backup is a cell restored to the wanted time beside the live one (restore-cell.sh): its
 * database (owner role), blob folder and keyring. What happens to the tenant's data:
 * - rows of every table with `tenant_id` are replaced by the backup's, in one transaction on
 *   the live database, through the owner role with `app.tenant_id` set (RLS applies) and every
 *   statement filtered by the tenant besides;
 * - the audit log (audit_log, audit_chain, audit_heads) is kept as it is: it is append-only and
 *   hash-chained, so history is never rewritten; a `tenant.restored` entry is appended instead;
 * - sessions and refresh tokens are cleared, not restored: nobody stays signed in, and no
 *   session revoked since the backup comes back;
 * - the `tenants` row stays live (plan, status and slug belong to the control plane), except its
 *   key reference when the tenant's key had to be put back;
 * - blobs under `tenants/<id>/` become those the backup's rows reference: copied in before the
 *   transaction (so rows never point at a missing blob), the others removed after it commits;
 * - the tenant's key (local keyring) is put back from the backup only if the live one differs
 *   or is gone; the live file is kept aside, never deleted. Both keyrings must share the master key.
 * The tenant must be suspended first (the control plane's `quire tenants suspend`), so nothing
 * writes while it is replaced; resume it afterwards.
 */
export interface CellSide {
  /** Owner-role URL of the cell database (it owns the tables; RLS is forced on it too). */
  databaseUrl: string;
  blobDir: string;
  keyringDir: string;
}

export interface TenantRestoreOptions {
  tenantId: string;
  from: CellSide;
  to: CellSide;
  /** Why (a ticket), recorded in the audit entry. */
  reason: string;
  /** The time the backup side was restored to, recorded in the audit entry. */
  asOf: string;
  /** Restore a tenant that is not suspended (writes may race the restore). */
  allowActive?: boolean;
}

export interface TenantRestoreReport {
  tenantId: string;
  tables: Record<string, { deleted: number; inserted: number }>;
  cleared: Record<string, number>;
  blobs: { restored: number; unchanged: number; removed: number };
  key: 'unchanged' | 'put back';
  auditAction: 'tenant.restored';
  ms: number;
}

const BATCH = 500;

/**
 * Copies one table's rows of the tenant from the backup into the live database. A row already
 * there has been written by a trigger of an earlier table in this transaction (the search
 * outbox rings its tenant's doorbell row): the backup's values win, so the tenant ends exactly
 * as in the backup. Counts are checked by the caller once every table is copied.
 */
async function copyRows(
  src: postgres.TransactionSql,
  dst: postgres.TransactionSql,
  table: TenantTable,
  tenantId: string,
): Promise<void> {
  const t = quoteIdent(table.name);
  const cols = table.columns.map(quoteIdent).join(', ');
  // Rows travel as JSON text (a text parameter: a jsonb one would be JSON-encoded again), so no
  // value goes through a JavaScript number or date on the way.
  const select = `select to_jsonb(r)::text as j from ${t} r where r.tenant_id = $1`;
  const settable = table.columns.filter((c) => !table.identity.includes(c)).map(quoteIdent);
  const upsert = !table.primaryKey
    ? ''
    : settable.length === 0
      ? `on conflict on constraint ${quoteIdent(table.primaryKey)} do nothing`
      : `on conflict on constraint ${quoteIdent(table.primaryKey)} do update set (${settable.join(', ')}) =
         row(${settable.map((c) => `excluded.${c}`).join(', ')})`;
  const insert = `insert into ${t} (${cols}) ${table.identity.length > 0 ? 'overriding system value' : ''}
    select ${cols} from jsonb_populate_recordset(null::${t}, $1::text::jsonb) ${upsert}`;
  const write = async (rows: readonly { j: string }[]) => {
    if (rows.length > 0) await dst.unsafe(insert, [`[${rows.map((r) => r.j).join(',')}]`]);
  };
  // A self-referencing table goes in one statement: its foreign keys are checked at the end of it.
  if (table.selfReferencing) await write(await src.unsafe<{ j: string }[]>(select, [tenantId]));
  else
    for await (const rows of src.unsafe<{ j: string }[]>(select, [tenantId]).cursor(BATCH)) await write(rows);
}

const countOf = async (sql: postgres.TransactionSql, table: string, tenantId: string): Promise<number> => {
  const [row] = await sql.unsafe<{ n: number }[]>(
    `select count(*)::int as n from ${quoteIdent(table)} where tenant_id = $1`,
    [tenantId],
  );
  return row?.n ?? -1;
};

export async function restoreTenant(o: TenantRestoreOptions): Promise<TenantRestoreReport> {
  const started = Date.now();
  const tenantId = o.tenantId;
  if (!TENANT_ID_PATTERN.test(tenantId)) throw new Error(`invalid tenant id ${JSON.stringify(tenantId)}`);
  if (!o.reason.trim() || o.reason.length > 500) throw new Error('a reason (1..500 characters) is required');
  if (Number.isNaN(Date.parse(o.asOf))) throw new Error(`asOf is not a time: ${o.asOf}`);
  const src = postgres(o.from.databaseUrl, { max: 1, onnotice: () => {} });
  const dst = postgres(o.to.databaseUrl, { max: 1, onnotice: () => {} });
  /** Set while the backup's key is in place and the transaction has not committed. */
  const undo: { key?: () => Promise<void> } = {};
  try {
    const [a, b] = [await schemaFingerprint(src), await schemaFingerprint(dst)];
    if (a.join() !== b.join())
      throw new Error(
        `the backup is at another schema version than the live cell (${a.length} vs ${b.length} migrations): migrate the restored side first`,
      );

    // Key: both keyrings must share the master key; the tenant's key is put back only if it differs.
    const master = async (dir: string) => readFile(path.join(dir, 'master.key')).catch(() => null);
    const [srcMaster, dstMaster] = [await master(o.from.keyringDir), await master(o.to.keyringDir)];
    if (!srcMaster || !dstMaster || !srcMaster.equals(dstMaster))
      throw new Error('the backup keyring and the live keyring do not share the master key (another cell?)');
    const kek = (dir: string) => path.join(dir, 'tenants', `${tenantId}.kek`);
    const srcKek = await sha256OrNull(kek(o.from.keyringDir));
    if (!srcKek) throw new Error(`the backup has no key for ${tenantId}`);
    const keyChanged = srcKek !== (await sha256OrNull(kek(o.to.keyringDir)));

    // Refuse early, before any blob moves; checked again under the row lock in the transaction.
    const [early] = await dst.begin(async (d) => {
      await d`select set_config('app.tenant_id', ${tenantId}, true)`;
      return d<{ status: string }[]>`select status from tenants where id = ${tenantId}`;
    });
    if (!early) throw new Error(`${tenantId} is not homed in the live cell`);
    if (early.status === 'active' && !o.allowActive)
      throw new Error(
        `${tenantId} is active: suspend it first (quire tenants suspend), or pass --allow-active`,
      );

    let blobKeys = new Set<string>();
    let blobs = { restored: 0, unchanged: 0, removed: 0 };
    const report = await src.begin('isolation level repeatable read read only', async (s) => {
      await s`select set_config('app.tenant_id', ${tenantId}, true)`;
      const [backupTenant] = await s<
        { key_ref: string }[]
      >`select key_ref from tenants where id = ${tenantId}`;
      if (!backupTenant) throw new Error(`${tenantId} is not in the backup (provisioned after it?)`);
      const srcTables = await tenantTables(s);
      // Blobs in first: the restored rows must never point at a blob that is not there yet.
      blobKeys = await referencedBlobKeys(s, srcTables, tenantId);
      blobs = await stageBlobs(blobKeys, o.from.blobDir, o.to.blobDir);
      return dst.begin(async (d) => {
        await d`select set_config('app.tenant_id', ${tenantId}, true)`;
        await d`select pg_advisory_xact_lock(hashtextextended(${`quire.tenant-restore:${tenantId}`}, 0))`;
        const [live] = await d<
          { status: string }[]
        >`select status from tenants where id = ${tenantId} for update`;
        if (!live) throw new Error(`${tenantId} is not homed in the live cell`);
        if (live.status === 'active' && !o.allowActive)
          throw new Error(
            `${tenantId} is active: suspend it first (quire tenants suspend), or pass --allow-active`,
          );
        const tables = await tenantTables(d);
        if (JSON.stringify(tables) !== JSON.stringify(srcTables))
          throw new Error('the tenant tables differ between the backup and the live cell');

        const result: Pick<TenantRestoreReport, 'tables' | 'cleared'> = { tables: {}, cleared: {} };
        const replaced = tables.filter((t) => !KEPT_LIVE.has(t.name));
        for (const table of [...replaced].reverse()) {
          const r = await d.unsafe(`delete from ${quoteIdent(table.name)} where tenant_id = $1`, [tenantId]);
          if (CLEARED.has(table.name)) result.cleared[table.name] = r.count;
          else result.tables[table.name] = { deleted: r.count, inserted: 0 };
        }
        const copied = replaced.filter((t) => !CLEARED.has(t.name));
        for (const table of copied) await copyRows(s, d, table, tenantId);
        for (const table of copied) {
          const [want, got] = [
            await countOf(s, table.name, tenantId),
            await countOf(d, table.name, tenantId),
          ];
          if (want !== got)
            throw new Error(`${table.name}: ${got} rows after the copy, the backup has ${want}`);
          result.tables[table.name]!.inserted = got;
        }

        if (keyChanged) {
          // Put the backup's key in place (the live one kept aside); undone if the transaction fails.
          const live = kek(o.to.keyringDir);
          const aside = `${live}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
          const hadLive = (await sha256OrNull(live)) !== null;
          if (hadLive) await rename(live, aside);
          await copyDurably(kek(o.from.keyringDir), live, 0o600);
          undo.key = async () => {
            if (hadLive) await rename(aside, live);
            else await unlink(live);
            await fsyncPath(path.dirname(live));
          };
          await d`update tenants set key_ref = ${backupTenant.key_ref}, updated_at = now() where id = ${tenantId}`;
        }
        const details = {
          asOf: o.asOf,
          reason: o.reason,
          rows: Object.fromEntries(Object.entries(result.tables).map(([k, v]) => [k, v.inserted])),
          cleared: result.cleared,
          blobsReferenced: blobKeys.size,
          blobsPutBack: blobs.restored,
          keyPutBack: keyChanged,
        };
        const entry = {
          tenantId,
          occurredAt: new Date().toISOString(),
          actorType: 'system',
          actorId: 'backup-restore',
          action: 'tenant.restored',
          resourceType: 'tenant',
          resourceId: tenantId,
          ip: null,
          userAgent: null,
          requestId: null,
          details,
        };
        await d`select audit_record(${JSON.stringify([entry])}::text::jsonb)`;
        return result;
      });
    });
    undo.key = undefined;

    // Committed: the tenant's blobs the backup's rows do not reference (written since) go.
    blobs.removed = await removeOtherBlobs(blobKeys, o.to.blobDir, tenantId);
    return {
      tenantId,
      ...report,
      blobs,
      key: keyChanged ? 'put back' : 'unchanged',
      auditAction: 'tenant.restored',
      ms: Date.now() - started,
    };
  } catch (err) {
    await undo.key?.();
    throw err;
  } finally {
    await src.end();
    await dst.end();
  }
}
