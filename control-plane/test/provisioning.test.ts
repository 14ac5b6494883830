import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumePending } from '../src/modules/provisioning/resumer.ts';
import { cellDatabaseAsAdmin, type LinkedCell, startLinkedCell } from './support/cells.ts';
import {
  dumpDatabase,
  EDGE_TOKEN,
  startControlPlane,
  type TestControlPlane,
  uniqueSlug,
} from './support/control-plane.ts';

let cp: TestControlPlane;
let us1: LinkedCell;
let eu1: LinkedCell;
const cellDb = cellDatabaseAsAdmin();

/** Every personal value handed to the control plane in this file: none may stay there. */
const personal: string[] = [];
function person(label: string) {
  const tag = randomBytes(4).toString('hex');
  const p = {
    email: `${label}.${tag}@pii-probe.example`,
    name: `Grace ${label} Hopper ${tag}`,
    password: `pw-${tag}-correct-horse-battery`,
  };
  personal.push(p.email, p.name, p.password, `${label}.${tag}`);
  return p;
}

beforeAll(async () => {
  cp = await startControlPlane();
  us1 = await startLinkedCell(cp, 'us-1', 'us');
  eu1 = await startLinkedCell(cp, 'eu-1', 'eu');
  await us1.heartbeat();
  await eu1.heartbeat();
});

afterAll(async () => {
  await cellDb.end();
  await us1?.stop();
  await eu1?.stop();
  await cp?.stop();
});

async function cellLogin(cell: LinkedCell, tenantId: string, email: string, password: string) {
  const res = await fetch(`${cell.baseUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId, email, password }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const cellTenantRows = async (tenantId: string) =>
  (await cellDb`select count(*)::int as n from tenants where id = ${tenantId}`)[0]!.n as number;

const auditCount = async (tenantId: string, action: string) =>
  (
    await cp.owner`select count(*)::int as n from ops_audit where target_id = ${tenantId} and action = ${action} and outcome = 'ok'`
  )[0]!.n as number;

describe('provisioning saga', () => {
  it('happy path: the tenant is placed in its region, provisioned in the cell, active, routed, and its admin logs in at the cell', async () => {
    const slug = uniqueSlug('acme');
    const admin = person('happy');
    const res = await cp.api('POST', '/v1/admin/tenants', {
      slug,
      displayName: 'Acme Europe',
      region: 'eu',
      plan: 'professional',
      admin,
    });
    expect(res.status).toBe(201);
    expect(res.body.created).toBe(true);
    expect(res.body.tenant).toMatchObject({
      id: `ten_${slug}`,
      slug,
      region: 'eu',
      cellId: 'eu-1',
      plan: 'professional',
      tier: 'pooled',
      status: 'active',
      strictResidency: false,
    });
    expect(res.body.invitationToken).toBeNull(); // an initial password was given
    expect(res.body.job.history.map((h: any) => h.step)).toEqual([
      'recorded',
      'placed',
      'cell_provisioned',
      'active',
    ]);

    const tenantId = res.body.tenant.id;
    const inCell = await fetch(`${eu1.baseUrl}/internal/v1/tenants/${tenantId}`, {
      headers: { authorization: `Bearer ${eu1.credential}` },
    });
    expect(inCell.status).toBe(200);
    expect(await inCell.json()).toMatchObject({ id: tenantId, slug, status: 'active', plan: 'professional' });
    const login = await cellLogin(eu1, tenantId, admin.email, admin.password);
    expect(login.status).toBe(200);
    expect(login.body.accessToken).toBeTruthy();

    const show = await cp.api('GET', `/v1/admin/tenants/${slug}`);
    expect(show.body.job).toMatchObject({ step: 'active', attempts: 1, lastError: null });
    expect(show.body.limits.apiCallsPerMinute).toBe(10_000);

    const snap = await cp.api('GET', '/v1/edge/snapshot', undefined, { token: EDGE_TOKEN });
    expect(snap.body.tenants).toContainEqual({
      id: tenantId,
      slug,
      region: 'eu',
      cellId: 'eu-1',
      status: 'active',
      strictResidency: false,
    });
    const route = await cp.api('GET', `/v1/edge/tenants/${slug}`, undefined, { token: EDGE_TOKEN });
    expect(route.body).toMatchObject({
      tenant: { id: tenantId },
      cell: { id: 'eu-1', baseUrl: eu1.baseUrl },
    });

    // The cell's config pull now carries it, and the cell keeps it.
    await eu1.heartbeat();
    expect(eu1.deps.config.config?.tenants.find((t) => t.id === tenantId)).toMatchObject({
      status: 'active',
      plan: 'professional',
    });
    expect(await auditCount(tenantId, 'tenants.activated')).toBe(1);
  });

  it('a retry of the same request creates nothing twice and returns the tenant with a fresh invitation', async () => {
    const slug = uniqueSlug('retry');
    const admin = person('retry');
    const body = {
      slug,
      displayName: 'Retry Inc',
      region: 'us',
      plan: 'standard',
      admin: { email: admin.email, name: admin.name },
    };
    const first = await cp.api('POST', '/v1/admin/tenants', body);
    expect(first.status).toBe(201);
    expect(first.body.invitationToken).toMatch(/^ten_/);
    const second = await cp.api('POST', '/v1/admin/tenants', body);
    expect(second.status).toBe(200);
    expect(second.body.created).toBe(false);
    expect(second.body.tenant.id).toBe(first.body.tenant.id);
    expect(second.body.invitationToken).toMatch(/^ten_/);
    expect(second.body.invitationToken).not.toBe(first.body.invitationToken);

    const tenantId = first.body.tenant.id;
    expect(await cellTenantRows(tenantId)).toBe(1);
    const users = await cellDb`select count(*)::int as n from users where tenant_id = ${tenantId}`;
    expect(users[0]!.n).toBe(1);
    expect((await cp.owner`select count(*)::int as n from tenants where slug = ${slug}`)[0]!.n).toBe(1);
    expect(await auditCount(tenantId, 'tenants.create')).toBe(1);
    expect(await auditCount(tenantId, 'tenants.activated')).toBe(1);

    // The first invitation was replaced; the newest one works at the cell: the admin sets a password and logs in.
    const accept = await fetch(`${us1.baseUrl}/v1/auth/accept-invitation`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: second.body.invitationToken, password: admin.password }),
    });
    expect(accept.status).toBe(200);
    expect((await cellLogin(us1, tenantId, admin.email, admin.password)).status).toBe(200);
  });

  it('a different request for an existing slug is a 409 (slug_taken), and changes nothing', async () => {
    const slug = uniqueSlug('taken');
    const admin = person('taken');
    const body = { slug, displayName: 'Taken', region: 'us', plan: 'standard', admin };
    expect((await cp.api('POST', '/v1/admin/tenants', body)).status).toBe(201);
    for (const change of [
      { plan: 'enterprise' },
      { region: 'eu' },
      { displayName: 'Other' },
      { strictResidency: true },
      // Another first admin: the cell refuses it (only the admin is not stored here to compare).
      { admin: person('someone-else') },
    ]) {
      const res = await cp.api('POST', '/v1/admin/tenants', { ...body, ...change });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'conflict', details: { reason: 'slug_taken' } });
    }
    const show = await cp.api('GET', `/v1/admin/tenants/${slug}`);
    expect(show.body.tenant).toMatchObject({ plan: 'standard', region: 'us', displayName: 'Taken' });
  });

  it('honours Idempotency-Key: same key and request → same tenant; same key, other request → 409', async () => {
    const key = `idem-${randomBytes(6).toString('hex')}`;
    const admin = person('idem');
    const body = { slug: uniqueSlug('idem'), displayName: 'Idem', region: 'us', plan: 'standard', admin };
    const first = await cp.api('POST', '/v1/admin/tenants', body, { headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    const again = await cp.api('POST', '/v1/admin/tenants', body, { headers: { 'idempotency-key': key } });
    expect(again.status).toBe(200);
    expect(again.body.tenant.id).toBe(first.body.tenant.id);
    const otherSlug = uniqueSlug('idem');
    const other = await cp.api(
      'POST',
      '/v1/admin/tenants',
      { ...body, slug: otherSlug },
      { headers: { 'idempotency-key': key } },
    );
    expect(other.status).toBe(409);
    expect(other.body.error.details.reason).toBe('idempotency_key_reused');
    expect((await cp.api('GET', `/v1/admin/tenants/${otherSlug}`)).status).toBe(404);
    expect(await cellTenantRows(`ten_${otherSlug}`)).toBe(0);
  });

  it('concurrent identical requests make one tenant', async () => {
    const admin = person('race');
    const body = { slug: uniqueSlug('race'), displayName: 'Race', region: 'us', plan: 'standard', admin };
    const results = await Promise.all([1, 2, 3].map(() => cp.api('POST', '/v1/admin/tenants', body)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    const ids = new Set(results.map((r) => r.body.tenant.id));
    expect(ids.size).toBe(1);
    const tenantId = [...ids][0] as string;
    expect(await cellTenantRows(tenantId)).toBe(1);
    expect(await auditCount(tenantId, 'tenants.activated')).toBe(1);
  });

  it('a cell that is unreachable mid-saga: the tenant is recorded (202), progress is visible, and the resumer finishes it', async () => {
    const ap1 = await startLinkedCell(cp, 'ap-1', 'ap');
    await ap1.heartbeat();
    await ap1.stop(); // crashed, but its heartbeat window has not passed yet
    const admin = person('resume');
    const res = await cp.api('POST', '/v1/admin/tenants', {
      slug: uniqueSlug('resume'),
      displayName: 'Resume Pty',
      region: 'ap',
      plan: 'standard',
      admin,
    });
    expect(res.status).toBe(202);
    expect(res.body.tenant).toMatchObject({ status: 'provisioning', cellId: 'ap-1' });
    expect(res.body.job).toMatchObject({ step: 'placed', attempts: 1 });
    expect(res.body.job.lastError).toMatch(/unreachable/);
    const tenantId = res.body.tenant.id;
    // Not routed while provisioning.
    const snap = await cp.api('GET', '/v1/edge/snapshot', undefined, { token: EDGE_TOKEN });
    expect(snap.body.tenants.map((t: any) => t.id)).not.toContain(tenantId);

    // The region team restarts the cell (same keys, new address); the resumer picks the job up.
    const back = await startLinkedCell(cp, 'ap-1', 'ap', { credential: ap1.credential, dir: ap1.dir });
    try {
      await back.heartbeat();
      cp.clock.advance(120);
      await back.heartbeat();
      expect(await resumePending(cp.deps, 'due')).toBeGreaterThanOrEqual(1);
      const show = await cp.api('GET', `/v1/admin/tenants/${tenantId}`);
      expect(show.body.tenant.status).toBe('active');
      expect(show.body.job).toMatchObject({ step: 'active', attempts: 2, lastError: null });
      expect((await cellLogin(back, tenantId, admin.email, admin.password)).status).toBe(200);
    } finally {
      await back.stop();
      cp.clock.offsetMs = 0;
      await us1.heartbeat();
      await eu1.heartbeat();
    }
  });

  it('a job the cell refuses for good (its sealing key changed) is failed; the same request again re-seals and finishes it', async () => {
    const me1 = await startLinkedCell(cp, 'me-1', 'me');
    await me1.heartbeat();
    await me1.stop();
    const admin = person('reseal');
    const body = { slug: uniqueSlug('reseal'), displayName: 'Reseal', region: 'me', plan: 'standard', admin };
    const res = await cp.api('POST', '/v1/admin/tenants', body);
    expect(res.status).toBe(202);
    // Rebuilt from scratch: new keys, so what was sealed to the old one cannot be opened.
    const rebuilt = await startLinkedCell(cp, 'me-1', 'me', { credential: me1.credential });
    try {
      await rebuilt.heartbeat();
      cp.clock.advance(120);
      await rebuilt.heartbeat();
      await resumePending(cp.deps, 'due');
      const failed = await cp.api('GET', `/v1/admin/tenants/${res.body.tenant.id}`);
      expect(failed.body.job.step).toBe('failed');
      expect(failed.body.job.lastError).toMatch(/400/);
      const retried = await cp.api('POST', '/v1/admin/tenants', body);
      expect(retried.status).toBe(200);
      expect(retried.body.tenant.status).toBe('active');
      expect((await cellLogin(rebuilt, res.body.tenant.id, admin.email, admin.password)).status).toBe(200);
    } finally {
      await rebuilt.stop();
      cp.clock.offsetMs = 0;
      await us1.heartbeat();
      await eu1.heartbeat();
    }
  });
});

describe('suspend, resume, plan: pushed to the cell', () => {
  it('suspension bites at the cell at once (403 tenant_suspended), the edge snapshot says suspended; resume restores access', async () => {
    const admin = person('suspend');
    const created = await cp.api('POST', '/v1/admin/tenants', {
      slug: uniqueSlug('susp'),
      displayName: 'Suspend GmbH',
      region: 'eu',
      plan: 'standard',
      admin,
    });
    const tenantId = created.body.tenant.id;
    const { accessToken } = (await cellLogin(eu1, tenantId, admin.email, admin.password)).body;
    const me = () => fetch(`${eu1.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await me()).status).toBe(200);

    const v0 = (await cp.api('GET', '/v1/edge/snapshot', undefined, { token: EDGE_TOKEN })).body.version;
    const suspended = await cp.api('POST', `/v1/admin/tenants/${tenantId}/suspend`);
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({
      tenant: { status: 'suspended' },
      changed: true,
      push: { pushed: true },
    });
    const denied = await me();
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as any).error.code).toBe('tenant_suspended');
    const snap = (await cp.api('GET', '/v1/edge/snapshot', undefined, { token: EDGE_TOKEN })).body;
    expect(Number(snap.version)).toBeGreaterThan(Number(v0));
    expect(snap.tenants.find((t: any) => t.id === tenantId).status).toBe('suspended');

    const resumed = await cp.api('POST', `/v1/admin/tenants/${tenantId}/resume`);
    expect(resumed.body).toMatchObject({ tenant: { status: 'active' }, push: { pushed: true } });
    expect((await me()).status).toBe(200);
  });

  it('set-plan updates the cell and the config; overrides reach the cell through its config pull', async () => {
    const admin = person('plan');
    const created = await cp.api('POST', '/v1/admin/tenants', {
      slug: uniqueSlug('plan'),
      displayName: 'Plan Ltd',
      region: 'us',
      plan: 'standard',
      admin,
    });
    const tenantId = created.body.tenant.id;
    const res = await cp.api('PUT', `/v1/admin/tenants/${tenantId}/plan`, {
      plan: 'enterprise',
      overrides: { maxFileSizeMb: 1000 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tenant: { plan: 'enterprise', planOverrides: { maxFileSizeMb: 1000 } },
      push: { pushed: true },
    });
    const inCell = await fetch(`${us1.baseUrl}/internal/v1/tenants/${tenantId}`, {
      headers: { authorization: `Bearer ${us1.credential}` },
    });
    expect(((await inCell.json()) as any).plan).toBe('enterprise');
    await us1.heartbeat();
    expect(us1.deps.config.settings(tenantId).overrides).toEqual({ maxFileSizeMb: 1000 });
    const show = await cp.api('GET', `/v1/admin/tenants/${tenantId}`);
    expect(show.body.limits).toMatchObject({ maxFileSizeMb: 1000, apiCallsPerMinute: 100_000 });
    const bad = await cp.api('PUT', `/v1/admin/tenants/${tenantId}/plan`, {
      plan: 'enterprise',
      overrides: { bogus: 1 },
    });
    expect(bad.status).toBe(400);
  });

  it('a cell that is down misses the push; its next config pull converges it', async () => {
    const admin = person('converge');
    const created = await cp.api('POST', '/v1/admin/tenants', {
      slug: uniqueSlug('conv'),
      displayName: 'Converge',
      region: 'us',
      plan: 'standard',
      admin,
    });
    const tenantId = created.body.tenant.id;
    const realBase = us1.baseUrl;
    // The control plane believes the cell lives elsewhere for one push.
    await cp.owner`update cells set base_url = 'http://127.0.0.1:9' where id = 'us-1'`;
    const suspended = await cp.api('POST', `/v1/admin/tenants/${tenantId}/suspend`);
    expect(suspended.body.push.pushed).toBe(false);
    await cp.owner`update cells set base_url = ${realBase} where id = 'us-1'`;
    const state = async () =>
      (
        (await (
          await fetch(`${realBase}/internal/v1/tenants/${tenantId}`, {
            headers: { authorization: `Bearer ${us1.credential}` },
          })
        ).json()) as any
      ).status;
    expect(await state()).toBe('active');
    await us1.heartbeat(); // config pull
    expect(await state()).toBe('suspended');
  });
});

describe('no personal data in the control plane', () => {
  it('the admins’ emails, names and passwords appear in no table of its database and in none of its log lines', async () => {
    expect(personal.length).toBeGreaterThan(20);
    const dump = await dumpDatabase(cp.db.ownerUrl);
    expect(dump).toContain('Acme Europe'); // the dump is real
    const logs = cp.logs.join('\n');
    expect(logs).toContain('/v1/admin/tenants');
    for (const value of personal) {
      expect(dump.includes(value), `database holds ${value}`).toBe(false);
      expect(logs.includes(value), `logs hold ${value}`).toBe(false);
    }
    const sealedLeft =
      await cp.owner`select count(*)::int as n from provisioning_jobs where completed_at is not null and sealed_admin is not null`;
    expect(sealedLeft[0]!.n).toBe(0);
  });
});
