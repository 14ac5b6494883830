import { eq } from 'drizzle-orm';
import type { Conn } from '../../db/client.ts';
import { type JobRow, provisioningJobs } from '../../db/schema/index.ts';

/** A tenant's provisioning job (one per tenant), if it has one. */
export async function findJob(conn: Conn, tenantId: string): Promise<JobRow | null> {
  const [row] = await conn.select().from(provisioningJobs).where(eq(provisioningJobs.tenantId, tenantId));
  return row ?? null;
}
