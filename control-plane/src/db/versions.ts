import { eq, sql } from 'drizzle-orm';
import type { Conn } from './client.ts';
import { versions } from './schema/index.ts';

/**
 * `routing`: everything in the edge snapshot (cells, routed tenants, keys).
 * `config`: everything cells pull (plans, tenant status/plan/overrides, flags).
 * Bumped in the transaction of the change, so a reader never sees new data under an old version.
 */
export type VersionName = 'routing' | 'config';

export async function bumpVersions(tx: Conn, ...names: VersionName[]): Promise<void> {
  for (const name of new Set(names)) {
    await tx
      .update(versions)
      .set({ value: sql`${versions.value} + 1` })
      .where(eq(versions.name, name));
  }
}

export async function readVersion(conn: Conn, name: VersionName): Promise<string> {
  const [row] = await conn.select({ value: versions.value }).from(versions).where(eq(versions.name, name));
  if (!row) throw new Error(`version counter ${name} is missing: run the migrations`);
  return String(row.value);
}
