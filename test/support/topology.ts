import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropDatabase } from '@quire/shared/node/database-bootstrap';
import { type CellSpec, startTopology, type Topology } from '../../infra/local/topology.ts';
import { startEdge, type TestEdge } from './edge.ts';

/**
 * The whole product for end-to-end tests: the control plane and two cells as real processes
 * (own databases, Redis databases, blob folders, keyrings) and the edge in workerd, on one
 * hostname `quire.test` (regional hostnames `eu.quire.test`, `us.quire.test`).
 */
export interface World {
  /** The world's scratch folder: the cells' folders and the edge's local state live under it. */
  dir: string;
  topology: Topology;
  edge: TestEdge;
  /** Provisions a tenant through the control plane's admin API; returns its id and admin. */
  provision(o: {
    slug: string;
    region: 'us' | 'eu';
    strictResidency?: boolean;
    admin?: { email: string; name: string; password: string };
  }): Promise<{ tenantId: string; email: string; password: string }>;
  /** Logs in through the edge on the tenant's subdomain. */
  login(slug: string, email: string, password: string, host?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startWorld(o: {
  name: string;
  redisDbs: [number, number];
  refreshSeconds?: number;
  /** Served hostnames of the edge (default quire.test, eu.quire.test, us.quire.test). */
  hosts?: Record<string, string>;
  /** The built web app, bound as the edge's static assets. */
  assetsDir?: string;
  /** More control-plane environment (e.g. ADMIN_UI_DIR: the built ops page). */
  controlPlaneEnv?: Record<string, string>;
  /** More environment for every cell process (API and worker). */
  cellEnv?: Record<string, string>;
  /** Another Postgres server (superuser URL) than the shared stack's: fault tests and benches kill their own. */
  pgAdminUrl?: string;
  /** Another Redis server than the shared stack's, for every cell… */
  redisUrl?: string;
  /** Per cell (`us-1`, `eu-1`): its own Redis or Postgres server (one a test started and may kill), more environment. */
  cellOverrides?: Record<string, Pick<CellSpec, 'redisUrl' | 'pgAdminUrl' | 'env'>>;
}) {
  const pgAdminUrl = o.pgAdminUrl ?? process.env.QUIRE_PG_ADMIN_URL!;
  const dbPrefix = `quire_${o.name}_${process.pid}`;
  const cells: CellSpec[] = [
    { id: 'us-1', region: 'us', redisDb: o.redisDbs[0] },
    { id: 'eu-1', region: 'eu', redisDb: o.redisDbs[1] },
  ].map((c) => ({ ...c, ...o.cellOverrides?.[c.id] }));
  const dir = mkdtempSync(join(tmpdir(), `quire-${o.name}-`));
  const topology = await startTopology({
    dir,
    pgAdminUrl,
    redisUrl: o.redisUrl ?? process.env.QUIRE_REDIS_URL!,
    dbPrefix,
    cells,
    heartbeatSeconds: 1,
    ...(o.controlPlaneEnv ? { controlPlaneEnv: o.controlPlaneEnv } : {}),
    ...(o.cellEnv ? { cellEnv: o.cellEnv } : {}),
  });
  const edge = await startEdge({
    controlPlaneUrl: topology.controlPlane.url,
    edgeToken: topology.secrets.edgeToken,
    assertionSecret: topology.secrets.assertionSecret,
    refreshSeconds: o.refreshSeconds ?? 1,
    missRefreshSeconds: 1,
    // The edge's local state (its KV cache of the route table) on disk, where a test can scan it.
    kvPersist: join(dir, 'edge-state'),
    ...(o.hosts ? { hosts: o.hosts } : {}),
    ...(o.assetsDir ? { assetsDir: o.assetsDir } : {}),
  });
  const world: World = {
    dir,
    topology,
    edge,
    async provision(p) {
      const admin = p.admin ?? {
        email: `admin@${p.slug}.example`,
        name: `Admin of ${p.slug}`,
        password: 'a long enough password',
      };
      const res = await topology.admin('POST', '/v1/admin/tenants', {
        slug: p.slug,
        displayName: `Tenant ${p.slug}`,
        region: p.region,
        // The local cells run the embedded default, Postgres search, which serves standard-plan tenants
        // (larger plans need a cell whose engine serves their documents quota: see README).
        plan: 'standard',
        strictResidency: p.strictResidency ?? false,
        admin,
      });
      if (res.status !== 201)
        throw new Error(`provision ${p.slug}: ${res.status} ${JSON.stringify(res.body)}`);
      return { tenantId: res.body.tenant.id as string, email: admin.email, password: admin.password };
    },
    async login(slug, email, password, host = 'quire.test') {
      const res = await edge.fetch(`http://${slug}.${host}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      if (res.status !== 200) throw new Error(`login ${slug}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { accessToken: string }).accessToken;
    },
    async close() {
      await edge.close();
      await topology.close();
      await dropDatabase(pgAdminUrl, topology.controlPlaneDatabase.name);
      for (const c of topology.cells.values())
        await dropDatabase(c.spec.pgAdminUrl ?? pgAdminUrl, c.database);
    },
  };
  return world;
}

/** Waits until the edge's route table knows a tenant (the background refresh picked it up). */
export async function untilRouted(world: World, slug: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const res = await world.edge.fetch(`http://${slug}.quire.test/healthz-of-tenant`, { redirect: 'manual' });
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
    if (res.status !== 404 || body.error?.code !== 'tenant_not_found') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`edge never learned the route of ${slug}`);
}

/** The private signing key of a cell, read from its key file: lets a test mint validly signed but wrong tokens. */
export function cellSigningKey(
  world: World,
  cellId: string,
): { kid: string; privateJwk: Record<string, unknown> } {
  const file = join(world.topology.cells.get(cellId)!.dir, 'signing-keys.json');
  const { keys } = JSON.parse(readFileSync(file, 'utf8')) as {
    keys: { kid: string; privateJwk: Record<string, unknown> }[];
  };
  return keys[keys.length - 1]!;
}
