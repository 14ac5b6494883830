import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOffboarding } from '../src/modules/tenants/offboarding-sweeper.ts';
import { type LinkedCell, startLinkedCell } from './support/cells.ts';
import { EDGE_TOKEN, startControlPlane, type TestControlPlane, uniqueSlug } from './support/control-plane.ts';

/**
 * Offboarding in the control plane, with a real cell linked to it: the CLI (sales ops) starts and
 * ends it, the sweeper deletes past the grace period (moved by the test clock) and has the cell
 * purge; the snapshot tells the edge; every step is in the ops audit, without personal data.
 */
let cp: TestControlPlane;
let us1: LinkedCell;
let salesOps: string;
const slug = uniqueSlug('offb');

beforeAll(async () => {
  cp = await startControlPlane();
  us1 = await startLinkedCell(cp, 'us-1', 'us');
  await us1.heartbeat();
  salesOps = (await cp.api('POST', '/v1/admin/ops-tokens', { label: 'offboarding desk', role: 'sales-ops' }))
    .body.token;
  const created = await cp.api('POST', '/v1/admin/tenants', {
    slug,
    displayName: 'Leaving Corp',
    region: 'us',
    plan: 'standard',
    admin: { email: 'it@leaving.example', name: 'IT', password: 'a long enough password' },
  });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await us1?.stop();
  await cp?.stop();
});

function quire(args: string[]) {
  const proc = spawn(process.execPath, ['control-plane/src/cli/main.ts', ...args], {
    env: { PATH: process.env.PATH, QUIRE_CONTROL_PLANE_URL: cp.url, QUIRE_OPS_TOKEN: salesOps },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('tenant offboarding in the control plane', () => {
  it('quire tenants offboard: read-only at the cell, 30 days of grace, the customer export started', async () => {
    const res = await quire(['tenants', 'offboard', slug]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`tenant ten_${slug} offboarding: read-only, deleted after \\S+`));
    expect(res.stdout).toMatch(/customer export pex_\S+/);
    const shown = (await cp.api('GET', `/v1/admin/tenants/${slug}`)).body.tenant;
    expect(shown.status).toBe('offboarding');
    const days = (new Date(shown.offboarding.deleteAfter).getTime() - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    us1.deps.tenants.invalidate(`ten_${slug}`);
    expect((await us1.deps.tenants.get(`ten_${slug}`))?.status).toBe('offboarding');
    // Again: no change.
    expect((await quire(['tenants', 'offboard', slug])).stdout).toContain('already offboarding');
  });

  it('quire tenants reactivate: active again, at the cell too; only an offboarding tenant', async () => {
    const res = await quire(['tenants', 'reactivate', slug]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`tenant ten_${slug} active (cell us-1 updated)\n`);
    us1.deps.tenants.invalidate(`ten_${slug}`);
    expect((await us1.deps.tenants.get(`ten_${slug}`))?.status).toBe('active');
    const again = await quire(['tenants', 'reactivate', slug]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('conflict');
  });

  it('the sweeper deletes past the grace period and has the cell purge; the edge snapshot says deleted', async () => {
    expect((await quire(['tenants', 'offboard', slug])).code).toBe(0);
    expect(await sweepOffboarding(cp.deps)).toEqual({ deleted: 0, purged: 0 });
    cp.clock.advance(31 * 86_400);
    expect(await sweepOffboarding(cp.deps)).toEqual({ deleted: 1, purged: 1 });
    const shown = (await cp.api('GET', `/v1/admin/tenants/${slug}`)).body.tenant;
    expect(shown.status).toBe('deleted');
    expect(shown.offboarding.purgedAt).not.toBeNull();
    us1.deps.tenants.invalidate(`ten_${slug}`);
    expect(await us1.deps.tenants.get(`ten_${slug}`)).toBeNull();
    // Nothing more to do.
    expect(await sweepOffboarding(cp.deps)).toEqual({ deleted: 0, purged: 0 });

    const snapshot = await fetch(`${cp.url}/v1/edge/snapshot`, {
      headers: { authorization: `Bearer ${EDGE_TOKEN}` },
    });
    const body = (await snapshot.json()) as { tenants: { slug: string; status: string }[] };
    expect(body.tenants.find((t) => t.slug === slug)?.status).toBe('deleted');
    // A deleted tenant is not offboarded again.
    expect((await cp.api('POST', `/v1/admin/tenants/${slug}/offboard`)).status).toBe(409);
  });

  it('every step is in the ops audit, with counts and dates only', async () => {
    const audit = await cp.owner<{ action: string; details: Record<string, unknown> }[]>`
      select action, details from ops_audit where target_id = ${`ten_${slug}`} order by seq`;
    const actions = audit.map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(['tenants.offboard', 'tenants.reactivate', 'tenants.deleted', 'tenants.purged']),
    );
    const purged = audit.find((a) => a.action === 'tenants.purged')!;
    expect(purged.details).toMatchObject({ cellId: 'us-1', summary: { users: 1, keyDestroyed: 'yes' } });
    expect(JSON.stringify(audit)).not.toMatch(/it@leaving|Leaving Corp/);
  });
});
