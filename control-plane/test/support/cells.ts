import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { exportJWK, generateKeyPair } from 'jose';
import postgres from 'postgres';
import { ControlPlaneLink } from '../../../cell/src/modules/control-plane/link.ts';
import { startTestCell } from '../../../test/support/harness.ts';
import type { ControlPlaneHandle } from './control-plane.ts';

/** A superuser connection to the run's cell database (RLS does not hide rows from it): for assertions only. */
export function cellDatabaseAsAdmin() {
  const admin = new URL(process.env.QUIRE_PG_ADMIN_URL!);
  admin.pathname = new URL(process.env.QUIRE_TEST_DATABASE_URL!).pathname;
  return postgres(admin.toString(), { max: 2, onnotice: () => {} });
}

/** Opens a cell slot through the admin API and returns the credential the region team deploys with. */
export async function createCellSlot(cp: ControlPlaneHandle, id: string, region: string): Promise<string> {
  const res = await cp.api('POST', '/v1/admin/cells', { id, region });
  if (res.status !== 201) throw new Error(`cell slot ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.credential;
}

/**
 * A real cell (the cell's own app and deps, the run's cell database, real Redis, fs blobs,
 * a local keyring), served over HTTP and linked to the control plane with the credential of
 * its slot, exactly as a region team deploys one. `heartbeat()` runs one real tick of the
 * cell's ControlPlaneLink (heartbeat + config pull).
 *
 * Test cells hold a handful of documents, so unless a test is about search-engine capacity
 * they tell the control plane they serve tenants of any size (SEARCH_MAX_TENANT_DOCUMENTS
 * `unlimited`); `maxTenantDocuments: null` leaves the engine's default, `env` adds cell settings
 * (e.g. SEARCH_ENGINE=opensearch).
 */
export async function startLinkedCell(
  cp: ControlPlaneHandle,
  id: string,
  region: string,
  o: {
    capacity?: number;
    credential?: string;
    dir?: string;
    maxTenantDocuments?: string | null;
    env?: Record<string, string>;
  } = {},
) {
  const credential = o.credential ?? (await createCellSlot(cp, id, region));
  // The same dir = the same signing and sealing keys: a restarted cell, not a new one.
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), `quire-cp-cell-${id}-`));
  const maxTenantDocuments = o.maxTenantDocuments === undefined ? 'unlimited' : o.maxTenantDocuments;
  const { app, deps, env, close } = await startTestCell(
    id,
    undefined,
    {
      CELL_REGION: region,
      DATABASE_POOL_SIZE: '5',
      INTERNAL_API_TOKEN: credential,
      CONTROL_PLANE_URL: cp.url,
      CELL_CAPACITY: String(o.capacity ?? 100),
      ...(maxTenantDocuments === null ? {} : { SEARCH_MAX_TENANT_DOCUMENTS: maxTenantDocuments }),
      ...o.env,
    },
    dir,
  );
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const link = new ControlPlaneLink(
    {
      controlPlaneUrl: cp.url,
      credential,
      region,
      baseUrl,
      version: 'test',
      capacity: o.capacity ?? 100,
      search: { engine: env.SEARCH_ENGINE, maxTenantDocuments: env.SEARCH_MAX_TENANT_DOCUMENTS },
      intervalMs: 60_000,
    },
    deps,
    deps.config,
  );
  return {
    id,
    region,
    app,
    deps,
    baseUrl,
    credential,
    dir,
    link,
    async heartbeat() {
      await link.tick();
      if (link.lastError) throw new Error(`cell ${id} could not reach the control plane: ${link.lastError}`);
    },
    async stop() {
      await link.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await close();
    },
  };
}

export type LinkedCell = Awaited<ReturnType<typeof startLinkedCell>>;

/** A signing key as a cell would advertise it (for key-rotation tests that need no real cell). */
export async function signingJwk(kid: string) {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } as {
    kid: string;
    kty: 'EC';
    crv: 'P-256';
    x: string;
    y: string;
    alg: 'ES256';
    use: 'sig';
  };
}

export async function sealingJwk(kid: string) {
  const { publicKey } = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
  return { ...(await exportJWK(publicKey)), kid, alg: 'ECDH-ES+A256KW', use: 'enc' } as {
    kid: string;
    kty: 'EC';
    crv: 'P-256';
    x: string;
    y: string;
  };
}

/**
 * A heartbeat from a cell that is not running (placement and key tests): the body a cell
 * would send, with its own keys. Returns the response.
 */
export async function fakeHeartbeat(
  cp: ControlPlaneHandle,
  cell: { id: string; region: string; credential: string },
  o: {
    capacity?: number;
    tenantCount?: number;
    keys?: Awaited<ReturnType<typeof signingJwk>>[];
    sealingKey?: Awaited<ReturnType<typeof sealingJwk>>;
    baseUrl?: string;
    /** What its search engine serves; absent = a cell older than that field. */
    search?: { engine: 'postgres' | 'opensearch'; maxTenantDocuments: number | null };
  } = {},
) {
  return cp.api(
    'PUT',
    `/v1/cells/${cell.id}/heartbeat`,
    {
      region: cell.region,
      baseUrl: o.baseUrl ?? 'http://127.0.0.1:9',
      version: 'fake',
      capacity: o.capacity ?? 10,
      tenantCount: o.tenantCount ?? 0,
      issuer: `https://${cell.id}.cells.test`,
      keys: o.keys ?? [await signingJwk(`${cell.id}-k1`)],
      sealingKey: o.sealingKey ?? (await sealingJwk(`${cell.id}-s1`)),
      ...(o.search ? { search: o.search } : {}),
    },
    { token: cell.credential },
  );
}
