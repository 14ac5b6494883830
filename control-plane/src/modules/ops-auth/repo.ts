import { and, desc, eq, isNull } from 'drizzle-orm';
import type { OpsRole } from '../../actor.ts';
import type { Conn, Tx } from '../../db/client.ts';
import { type OpsTokenRow, opsTokens } from '../../db/schema/index.ts';

/** The live (not revoked) token with this sha256, if any. */
export async function findLiveToken(conn: Conn, tokenHash: string) {
  const [row] = await conn
    .select({ id: opsTokens.id, role: opsTokens.role })
    .from(opsTokens)
    .where(and(eq(opsTokens.tokenHash, tokenHash), isNull(opsTokens.revokedAt)));
  return row ? { id: row.id, role: row.role as OpsRole } : null;
}

export async function insertToken(tx: Tx, values: typeof opsTokens.$inferInsert): Promise<OpsTokenRow> {
  const [row] = await tx.insert(opsTokens).values(values).returning();
  return row!;
}

export function listTokens(conn: Conn): Promise<OpsTokenRow[]> {
  return conn.select().from(opsTokens).orderBy(desc(opsTokens.createdAt));
}

export async function lockToken(tx: Tx, id: string): Promise<OpsTokenRow | null> {
  const [row] = await tx.select().from(opsTokens).where(eq(opsTokens.id, id)).for('update');
  return row ?? null;
}

export async function markRevoked(tx: Tx, id: string, at: Date): Promise<OpsTokenRow> {
  const [row] = await tx.update(opsTokens).set({ revokedAt: at }).where(eq(opsTokens.id, id)).returning();
  return row!;
}
