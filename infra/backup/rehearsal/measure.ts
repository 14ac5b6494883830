import { join } from 'node:path';
import type postgres from 'postgres';
import { exists, listFiles, sha256File } from '../files.ts';
import { quoteIdent } from '../tenant-tables.ts';

/** Row counts of every table of the cell database (as a superuser: every tenant, no RLS). */
export async function tableCounts(sql: postgres.Sql): Promise<Record<string, number>> {
  const tables = await sql<{ name: string }[]>`
    select c.relname as name from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') order by 1`;
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${quoteIdent(name)}`);
    counts[name] = row!.n;
  }
  return counts;
}

/** Row counts of one tenant in every table that has its id (the registry row included). */
export async function tenantCounts(sql: postgres.Sql, tenantId: string): Promise<Record<string, number>> {
  const tables = await sql<{ name: string }[]>`
    select c.relname as name from pg_class c
    join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') order by 1`;
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await sql.unsafe<{ n: number }[]>(
      `select count(*)::int as n from ${quoteIdent(name)} where tenant_id = $1`,
      [tenantId],
    );
    counts[name] = row!.n;
  }
  const [t] = await sql<{ n: number }[]>`select count(*)::int as n from tenants where id = ${tenantId}`;
  counts.tenants = t!.n;
  return counts;
}

/** sha256 of every blob file (ciphertext) under the tenant's prefix, by relative path. */
export async function blobSums(blobDir: string, tenantId: string): Promise<Record<string, string>> {
  const root = join(blobDir, 'tenants', tenantId);
  if (!(await exists(root))) return {};
  const sums: Record<string, string> = {};
  for (const rel of await listFiles(root)) sums[rel] = await sha256File(join(root, ...rel.split('/')));
  return sums;
}

/** Tables whose values differ between two count maps, as "name: a ≠ b" (empty when equal). */
export function countDiff(
  a: Record<string, number>,
  b: Record<string, number>,
  skip = new Set<string>(),
): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => !skip.has(k) && a[k] !== b[k])
    .map((k) => `${k}: ${a[k]} ≠ ${b[k]}`);
}
