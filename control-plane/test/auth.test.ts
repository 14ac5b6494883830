import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_TOKEN, startControlPlane, type TestControlPlane } from './support/control-plane.ts';

let cp: TestControlPlane;
let salesOps: string;
let salesOpsId: string;
let support: string;
let supportId: string;

beforeAll(async () => {
  cp = await startControlPlane();
  const res = await cp.api('POST', '/v1/admin/ops-tokens', { label: 'sales desk 1', role: 'sales-ops' });
  expect(res.status).toBe(201);
  salesOps = res.body.token;
  salesOpsId = res.body.opsToken.id;
  const sup = await cp.api('POST', '/v1/admin/ops-tokens', { label: 'support desk 1', role: 'support' });
  expect(sup.status).toBe(201);
  support = sup.body.token;
  supportId = sup.body.opsToken.id;
});
afterAll(async () => {
  await cp?.stop();
});

const deniedFor = async (actor: string) =>
  (await cp.owner`select action, outcome from ops_audit where actor = ${actor} and outcome = 'denied'`).map(
    (r) => r.action as string,
  );

describe('ops authentication', () => {
  it('no token, a malformed or an unknown token: 401, audited as denied', async () => {
    for (const token of [null, 'not a bearer at all', 'qop_unknown-token-000000000000000000000000000000']) {
      const res = await cp.api('GET', '/v1/admin/tenants', undefined, { token });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
      expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
    }
    expect((await deniedFor('anonymous')).length).toBeGreaterThanOrEqual(3);
  });

  it('tokens are stored as hashes only', async () => {
    const rows = await cp.owner`select token_hash from ops_tokens`;
    expect(rows.length).toBeGreaterThan(0);
    const dump = JSON.stringify(await cp.owner`select * from ops_tokens`);
    expect(dump).not.toContain(salesOps);
  });

  it('a revoked token stops working at once', async () => {
    const issued = await cp.api('POST', '/v1/admin/ops-tokens', { label: 'temp', role: 'platform-admin' });
    expect((await cp.api('GET', '/v1/admin/cells', undefined, { token: issued.body.token })).status).toBe(
      200,
    );
    const revoked = await cp.api('DELETE', `/v1/admin/ops-tokens/${issued.body.opsToken.id}`);
    expect(revoked.body.opsToken.revokedAt).not.toBeNull();
    expect((await cp.api('GET', '/v1/admin/cells', undefined, { token: issued.body.token })).status).toBe(
      401,
    );
  });
});

describe('ops roles', () => {
  it('GET /v1/admin/me says who calls and what its role allows, for any token', async () => {
    const mine = await cp.api('GET', '/v1/admin/me', undefined, { token: salesOps });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ id: salesOpsId, role: 'sales-ops' });
    expect(mine.body.actions).toEqual(expect.arrayContaining(['tenants.offboard', 'tenants.reactivate']));
    expect(mine.body.actions).not.toContain('cells.list');
    const root = await cp.api('GET', '/v1/admin/me');
    expect(root.body).toMatchObject({ id: 'bootstrap', role: 'platform-admin' });
    expect(root.body.actions).toEqual(expect.arrayContaining(['cells.drain', 'tenants.offboard']));
    expect((await cp.api('GET', '/v1/admin/me', undefined, { token: null })).status).toBe(401);
  });

  it('sales-ops runs tenants but may not manage cells, plans, flag definitions, ops tokens or read the audit (403, audited)', async () => {
    expect((await cp.api('GET', '/v1/admin/tenants', undefined, { token: salesOps })).status).toBe(200);
    expect((await cp.api('GET', '/v1/admin/plans', undefined, { token: salesOps })).status).toBe(200);
    expect((await cp.api('GET', '/v1/admin/flags', undefined, { token: salesOps })).status).toBe(200);
    const forbidden: [string, string, unknown?][] = [
      ['POST', '/v1/admin/cells', { id: 'xx-1', region: 'xx' }],
      ['GET', '/v1/admin/cells'],
      ['GET', '/v1/admin/cells/xx-1'],
      ['POST', '/v1/admin/cells/xx-1/drain'],
      ['POST', '/v1/admin/cells/xx-1/undrain'],
      ['POST', '/v1/admin/cells/xx-1/credential'],
      ['PUT', '/v1/admin/plans/standard', { limits: {} }],
      ['PUT', '/v1/admin/flags/beta', { default: true }],
      ['POST', '/v1/admin/ops-tokens', { label: 'mine', role: 'platform-admin' }],
      ['GET', '/v1/admin/ops-tokens'],
      ['DELETE', `/v1/admin/ops-tokens/${salesOpsId}`],
      ['GET', '/v1/admin/audit'],
    ];
    for (const [method, path, body] of forbidden) {
      const res = await cp.api(method, path, body, { token: salesOps });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    const denied = await deniedFor(salesOpsId);
    expect(denied).toEqual(
      expect.arrayContaining(['cells.create', 'cells.list', 'ops-tokens.create', 'audit.read']),
    );
    expect((await cp.owner`select count(*)::int as n from cells where id = 'xx-1'`)[0]!.n).toBe(0);
  });

  it('support reads tenants, cells, plans and flags and changes nothing (403, audited)', async () => {
    const me = await cp.api('GET', '/v1/admin/me', undefined, { token: support });
    expect(me.body).toMatchObject({ id: supportId, role: 'support' });
    expect([...me.body.actions].sort()).toEqual(
      ['cells.list', 'cells.show', 'flags.read', 'plans.read', 'tenants.list', 'tenants.show'].sort(),
    );
    // Reading is allowed (an unknown tenant is a 404, not a 403); every change is refused before
    // anything is looked up.
    expect(
      (await cp.api('GET', '/v1/admin/tenants/support-reads', undefined, { token: support })).status,
    ).toBe(404);
    for (const path of ['/v1/admin/tenants', '/v1/admin/cells', '/v1/admin/plans', '/v1/admin/flags'])
      expect((await cp.api('GET', path, undefined, { token: support })).status, path).toBe(200);
    const forbidden: [string, string, unknown?][] = [
      ['POST', '/v1/admin/tenants', { slug: 'by-support', region: 'us', plan: 'standard' }],
      ['POST', '/v1/admin/tenants/support-reads/suspend', {}],
      ['POST', '/v1/admin/tenants/support-reads/resume', {}],
      ['POST', '/v1/admin/tenants/support-reads/offboard', {}],
      ['POST', '/v1/admin/tenants/support-reads/reactivate', {}],
      ['PUT', '/v1/admin/tenants/support-reads/plan', { plan: 'enterprise' }],
      ['POST', '/v1/admin/cells/xx-1/drain'],
      ['POST', '/v1/admin/ops-tokens', { label: 'mine', role: 'support' }],
      ['GET', '/v1/admin/audit'],
    ];
    for (const [method, path, body] of forbidden) {
      const res = await cp.api(method, path, body, { token: support });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect(await deniedFor(supportId)).toEqual(
      expect.arrayContaining(['tenants.create', 'tenants.suspend', 'tenants.offboard', 'cells.drain']),
    );
    expect((await cp.owner`select count(*)::int as n from tenants where slug = 'by-support'`)[0]!.n).toBe(0);
  });

  it('authorization comes before parsing: a sales-ops request with a bad body to a cells route is 403, not 400', async () => {
    const res = await cp.api('POST', '/v1/admin/cells', { nonsense: true }, { token: salesOps });
    expect(res.status).toBe(403);
  });

  it('a sales-ops token cannot stand in for a cell or the edge', async () => {
    expect((await cp.api('GET', '/v1/edge/snapshot', undefined, { token: salesOps })).status).toBe(401);
    expect((await cp.api('GET', '/v1/cells/us-1/config', undefined, { token: salesOps })).status).toBe(401);
  });
});

describe('bad input is a 400, never a 500', () => {
  const admin = { email: 'x@bad-input.example', name: 'X' };
  const good = { slug: 'bad-input', displayName: 'Bad Input', region: 'us', plan: 'standard', admin };
  const cases: [string, string, unknown, Record<string, string>?][] = [
    ['POST', '/v1/admin/tenants', {}],
    ['POST', '/v1/admin/tenants', { ...good, slug: 'UPPER_case' }],
    ['POST', '/v1/admin/tenants', { ...good, slug: 'x' }],
    ['POST', '/v1/admin/tenants', { ...good, slug: 'a'.repeat(41) }],
    ['POST', '/v1/admin/tenants', { ...good, plan: 'platinum' }],
    ['POST', '/v1/admin/tenants', { ...good, tier: 'shared' }],
    ['POST', '/v1/admin/tenants', { ...good, region: 42 }],
    ['POST', '/v1/admin/tenants', { ...good, strictResidency: 'yes' }],
    ['POST', '/v1/admin/tenants', { ...good, extra: 1 }],
    ['POST', '/v1/admin/tenants', { ...good, admin: { ...admin, email: 'not-an-email' } }],
    ['POST', '/v1/admin/tenants', { ...good, admin: { ...admin, password: 'short' } }],
    ['POST', '/v1/admin/tenants', { ...good, admin: { ...admin, role: 'owner' } }],
    ['POST', '/v1/admin/tenants', { ...good, displayName: 'x'.repeat(201) }],
    ['POST', '/v1/admin/tenants', [good]],
    ['POST', '/v1/admin/tenants', 'null'],
    ['POST', '/v1/admin/tenants', good, { 'idempotency-key': 'no spaces allowed here' }],
    ['GET', '/v1/admin/tenants?limit=abc', undefined],
    ['GET', '/v1/admin/tenants?limit=100000', undefined],
    ['GET', '/v1/admin/tenants?status=asleep', undefined],
    ['GET', '/v1/admin/tenants/Not_A_Slug', undefined],
    ['POST', '/v1/admin/tenants/ten_%00/suspend', undefined],
    ['PUT', '/v1/admin/tenants/acme/plan', { plan: 'gold' }],
    ['PUT', '/v1/admin/tenants/acme/plan', { plan: 'standard', overrides: { users: -1 } }],
    ['PUT', '/v1/admin/tenants/acme/plan', { plan: 'standard', overrides: { users: 1.5 } }],
    ['PATCH', '/v1/admin/tenants/acme', {}],
    ['PATCH', '/v1/admin/tenants/acme', { strictResidency: 'true' }],
    ['PUT', '/v1/admin/tenants/acme/flags', { flags: {} }],
    ['PUT', '/v1/admin/tenants/acme/flags', { flags: { 'Bad Key': true } }],
    ['PUT', '/v1/admin/tenants/acme/flags', { flags: { beta: { nested: true } } }],
    ['POST', '/v1/admin/cells', { id: 'A', region: 'us' }],
    ['POST', '/v1/admin/cells', { id: 'us-5', region: 'U$' }],
    ['PUT', '/v1/admin/plans/standard', { limits: { users: 5 } }],
    ['PUT', '/v1/admin/flags/beta', { default: [1] }],
    ['PUT', '/v1/admin/flags/beta', { default: true, plans: { gold: true } }],
    ['PUT', '/v1/admin/flags/beta', { default: true, plans: { enterprise: 'yes' } }],
    ['POST', '/v1/admin/ops-tokens', { label: 'x', role: 'root' }],
    ['POST', '/v1/admin/ops-tokens', { label: 'Ada Lovelace <ada@example.com>', role: 'sales-ops' }],
    ['DELETE', '/v1/admin/ops-tokens/nope', undefined],
    ['GET', '/v1/admin/audit?before=-1', undefined],
  ];
  it.each(cases)('%s %s → 400 validation_failed', async (method, path, body, headers) => {
    const res = await cp.api(method, path, body, { headers });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('malformed JSON is a 400 bad_request', async () => {
    const res = await cp.api('POST', '/v1/admin/tenants', '{"slug": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
  });

  it('a validation error names the field, never echoes the value', async () => {
    const res = await cp.api('POST', '/v1/admin/tenants', {
      ...good,
      admin: { email: 'leaky-value@@example', name: 'N' },
    });
    expect(res.body.error.details).toContainEqual({ path: 'admin.email', message: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toContain('leaky-value');
  });

  it('a huge body is a 413', async () => {
    // Its own connection: the server stops reading the body and closes it.
    const body = JSON.stringify({ ...good, displayName: 'x'.repeat(300_000) });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${cp.url}/v1/admin/tenants`, {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(413);
  });

  it('unknown routes are a 404 in the error shape', async () => {
    const res = await cp.api('GET', '/v1/admin/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('ops audit', () => {
  it('every admin change is recorded with actor, action, target, request id and outcome', async () => {
    const res = await cp.api('POST', '/v1/admin/cells', { id: 'au-1', region: 'au' });
    const requestId = res.headers.get('x-request-id');
    const audit = await cp.api('GET', '/v1/admin/audit?targetId=au-1');
    expect(audit.body.entries[0]).toMatchObject({
      actor: 'bootstrap',
      actorRole: 'platform-admin',
      action: 'cells.create',
      targetType: 'cell',
      targetId: 'au-1',
      requestId,
      outcome: 'ok',
      details: { region: 'au' },
    });
    const page = await cp.api('GET', '/v1/admin/audit?limit=2');
    expect(page.body.entries).toHaveLength(2);
    const next = await cp.api('GET', `/v1/admin/audit?limit=2&before=${page.body.nextBefore}`);
    expect(next.body.entries[0].seq).toBeLessThan(page.body.entries[1].seq);
  });

  it('is append-only: neither the app role nor the owner can update, delete or truncate it', async () => {
    const postgres = (await import('postgres')).default;
    const app = postgres(cp.db.appUrl, { max: 1, onnotice: () => {} });
    try {
      for (const conn of [app, cp.owner]) {
        await expect(conn`update ops_audit set outcome = 'ok'`).rejects.toThrow();
        await expect(conn`delete from ops_audit`).rejects.toThrow();
        await expect(conn`truncate ops_audit`).rejects.toThrow();
      }
      await expect(
        app`insert into ops_audit (actor, action, outcome) values ('x', 'y', 'ok')`,
      ).resolves.toBeDefined();
      expect((await cp.owner`select count(*)::int as n from ops_audit`)[0]!.n).toBeGreaterThan(5);
    } finally {
      await app.end();
    }
  });

  it('the app role is least-privileged: no DDL, not a superuser', async () => {
    const postgres = (await import('postgres')).default;
    const app = postgres(cp.db.appUrl, { max: 1, onnotice: () => {} });
    try {
      const [me] =
        await app`select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user`;
      expect(me).toEqual({ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false });
      await expect(app`create table sneaky (x int)`).rejects.toThrow();
      await expect(app`drop table tenants`).rejects.toThrow();
      await expect(app`delete from plans`).rejects.toThrow();
    } finally {
      await app.end();
    }
  });
});

describe('service endpoints', () => {
  it('serves OpenAPI 3.1 and /healthz without credentials', async () => {
    const doc = await cp.api('GET', '/v1/openapi.json', undefined, { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/admin/tenants',
      '/v1/admin/tenants/{idOrSlug}',
      '/v1/admin/tenants/{idOrSlug}/suspend',
      '/v1/admin/cells',
      '/v1/cells/{cellId}/heartbeat',
      '/v1/cells/{cellId}/config',
      '/v1/edge/snapshot',
      '/v1/admin/audit',
    ])
      expect(Object.keys(doc.body.paths)).toContain(path);
    expect((await cp.api('GET', '/healthz', undefined, { token: null })).body.ok).toBe(true);
  });
});
