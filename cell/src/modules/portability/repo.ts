import { and, eq } from 'drizzle-orm';
import { type PortabilityExportRow, portabilityExports } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';

export async function findExport(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(portabilityExports)
    .where(and(eq(portabilityExports.tenantId, tenantId), eq(portabilityExports.id, id)));
  return row;
}

export async function updateExport(
  tx: Tx,
  tenantId: string,
  id: string,
  set: Partial<typeof portabilityExports.$inferInsert>,
): Promise<PortabilityExportRow | undefined> {
  const [row] = await tx
    .update(portabilityExports)
    .set(set)
    .where(and(eq(portabilityExports.tenantId, tenantId), eq(portabilityExports.id, id)))
    .returning();
  return row;
}
