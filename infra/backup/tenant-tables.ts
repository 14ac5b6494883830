import type postgres from 'postgres';

/**
 * The cell's tenant tables as the catalog says (every table with a `tenant_id` column), in
 * foreign-key order, so a tenant restore needs no list to keep up to date: a table a future
 * migration adds is restored with the rest, unless it is one of the exceptions below.
 */

/** Append-only and hash-chained (migration 0005): the live log is kept, never rewritten. */
export const KEPT_LIVE = new Set(['audit_log', 'audit_chain', 'audit_heads']);
/** Cleared, not restored: a session revoked after the backup must not come back. */
export const CLEARED = new Set(['sessions', 'refresh_tokens']);

export interface TenantTable {
  name: string;
  /** Columns to copy (generated columns are left to the database). */
  columns: string[];
  /** Identity columns: copied with OVERRIDING SYSTEM VALUE, never updated. */
  identity: string[];
  /** Name of the primary key constraint: a row a trigger already wrote is overwritten through it. */
  primaryKey: string | null;
  /** References itself (folders → parent): copied in one statement, FKs are checked at its end. */
  selfReferencing: boolean;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Tenant tables parents first (the `tenants` registry itself is not one: it has no tenant_id). */
export async function tenantTables(sql: postgres.Sql | postgres.TransactionSql): Promise<TenantTable[]> {
  const tables = await sql<{ name: string }[]>`
    select c.relname as name
    from pg_class c
    join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
    order by c.relname`;
  const names = new Set(tables.map((t) => t.name));
  const fks = await sql<{ child: string; parent: string }[]>`
    select ch.relname as child, pa.relname as parent
    from pg_constraint k
    join pg_class ch on ch.oid = k.conrelid
    join pg_class pa on pa.oid = k.confrelid
    where k.contype = 'f' and k.connamespace = 'public'::regnamespace`;
  const cols = await sql<{ table: string; column: string; identity: string; generated: string }[]>`
    select c.relname as table, a.attname as column, a.attidentity as identity, a.attgenerated as generated
    from pg_attribute a join pg_class c on c.oid = a.attrelid
    where c.relnamespace = 'public'::regnamespace and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum`;

  const pks = await sql<{ table: string; name: string }[]>`
    select c.relname as table, k.conname as name
    from pg_constraint k join pg_class c on c.oid = k.conrelid
    where k.contype = 'p' and k.connamespace = 'public'::regnamespace`;

  const parents = new Map<string, Set<string>>([...names].map((n) => [n, new Set<string>()]));
  const selfRef = new Set<string>();
  for (const { child, parent } of fks) {
    if (!names.has(child)) continue;
    if (child === parent) selfRef.add(child);
    else if (names.has(parent)) parents.get(child)!.add(parent);
  }
  // Kahn's algorithm, alphabetical among equals so the order is stable from run to run.
  const order: string[] = [];
  const pending = new Set(names);
  while (pending.size > 0) {
    const ready = [...pending].filter((n) => [...parents.get(n)!].every((p) => !pending.has(p))).sort();
    if (ready.length === 0) throw new Error(`foreign keys form a cycle among: ${[...pending].join(', ')}`);
    for (const n of ready) {
      order.push(n);
      pending.delete(n);
    }
  }
  return order.map((name) => {
    const own = cols.filter((c) => c.table === name);
    return {
      name,
      columns: own.filter((c) => c.generated === '').map((c) => c.column),
      identity: own.filter((c) => c.identity !== '').map((c) => c.column),
      primaryKey: pks.find((k) => k.table === name)?.name ?? null,
      selfReferencing: selfRef.has(name),
    };
  });
}

/** The applied migrations (drizzle's journal): source and target must be at the same schema. */
export async function schemaFingerprint(sql: postgres.Sql | postgres.TransactionSql): Promise<string[]> {
  const rows = await sql<{ hash: string }[]>`select hash from drizzle.__drizzle_migrations order by id`;
  return rows.map((r) => r.hash);
}
