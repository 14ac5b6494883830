import { eq, sql } from 'drizzle-orm';
import type { Conn, Tx } from '../../db/client.ts';
import { type CellRow, cells, tenants } from '../../db/schema/index.ts';

export async function selectCell(conn: Conn, id: string): Promise<CellRow | null> {
  const [row] = await conn.select().from(cells).where(eq(cells.id, id));
  return row ?? null;
}

export async function lockCell(tx: Tx, id: string): Promise<CellRow | null> {
  const [row] = await tx.select().from(cells).where(eq(cells.id, id)).for('update');
  return row ?? null;
}

export function selectCells(conn: Conn): Promise<CellRow[]> {
  return conn.select().from(cells).orderBy(cells.region, cells.id);
}

/** sha256 of the credential of a cell, or null for an unknown cell. */
export async function credentialHashOf(conn: Conn, id: string): Promise<string | null> {
  const [row] = await conn.select({ hash: cells.credentialHash }).from(cells).where(eq(cells.id, id));
  return row?.hash ?? null;
}

/** How many tenants the control plane has homed in each cell (deleted ones excluded). */
export async function homedCounts(conn: Conn): Promise<Map<string, number>> {
  const rows = await conn
    .select({ cellId: tenants.cellId, n: sql<number>`count(*)::int` })
    .from(tenants)
    .where(sql`${tenants.status} <> 'deleted' and ${tenants.cellId} is not null`)
    .groupBy(tenants.cellId);
  return new Map(rows.map((r) => [r.cellId!, r.n]));
}

export async function insertCell(tx: Tx, values: typeof cells.$inferInsert): Promise<CellRow> {
  const [row] = await tx.insert(cells).values(values).returning();
  return row!;
}

export async function updateCell(
  tx: Tx,
  id: string,
  set: Partial<typeof cells.$inferInsert>,
): Promise<CellRow | null> {
  const [row] = await tx.update(cells).set(set).where(eq(cells.id, id)).returning();
  return row ?? null;
}

/** The cells of a region, every state (for "which cells could serve it"). */
export function selectRegionCells(conn: Conn, region: string): Promise<CellRow[]> {
  return conn.select().from(cells).where(eq(cells.region, region)).orderBy(cells.id);
}
