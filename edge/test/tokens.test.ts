import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type TestEdge } from '../../test/support/edge.ts';
import {
  ASSERTION_SECRET,
  EDGE_TOKEN,
  HOSTS,
  mint,
  signingKeyOf,
  startTopology,
  type Topology,
  testSigningKey,
} from './topology.ts';

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** Forged tokens are refused by the edge itself: nothing reaches any cell. */
describe('edge token verification', () => {
  let top: Topology;
  let edge: TestEdge;
  let usKey: Awaited<ReturnType<typeof signingKeyOf>>;

  const edgeOptions = () => ({
    controlPlaneUrl: top.snapshots.url,
    edgeToken: EDGE_TOKEN,
    assertionSecret: ASSERTION_SECRET,
    hosts: HOSTS,
    refreshSeconds: 3600,
  });

  /** Sends `token` for the US tenant's /v1/me and asserts a 401 that no cell saw. */
  async function refused(token: string, status = 401) {
    const before = top.us.requests + top.eu.requests + top.echo.seen.length;
    const res = await edge.fetch('/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(status);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe(status === 401 ? 'unauthenticated' : 'tenant_not_found');
    expect(top.us.requests + top.eu.requests + top.echo.seen.length).toBe(before);
  }

  const claims = () => {
    const now = Math.floor(Date.now() / 1000);
    return {
      sub: 'usr_forged',
      tid: top.usTenant.tenantId,
      cell: 'us-1',
      roles: ['admin'],
      sid: 'ses_forged',
      iss: top.us.issuer,
      aud: 'quire',
      iat: now,
      exp: now + 600,
    };
  };

  beforeAll(async () => {
    top = await startTopology();
    edge = await startEdge(edgeOptions());
    usKey = await signingKeyOf(top.us);
    // Warm: the route table is loaded, so the counts below are only what each case causes.
    expect((await edge.fetch('/v1/me', { headers: top.usTenant.admin.headers })).status).toBe(200);
  });
  afterAll(async () => {
    await edge?.close();
    await top?.close();
  });

  it('accepts a real token of the tenant (the baseline the forgeries are measured against)', async () => {
    const token = await mint(usKey.key, {
      kid: usKey.kid,
      tid: top.usTenant.tenantId,
      cell: 'us-1',
      iss: top.us.issuer,
    });
    const res = await edge.fetch('/v1/me', { headers: { authorization: `Bearer ${token}` } });
    // The edge forwards it; the cell then checks the user itself (this one does not exist there).
    expect(res.headers.get('x-quire-cell')).toBe('us-1');
  });

  it('refuses alg none', async () => {
    const header = b64url(JSON.stringify({ alg: 'none', kid: usKey.kid, typ: 'at+jwt' }));
    await refused(`${header}.${b64url(JSON.stringify(claims()))}.`);
  });

  it('refuses HS256 signed with the public key bytes (algorithm confusion)', async () => {
    const header = b64url(JSON.stringify({ alg: 'HS256', kid: usKey.kid, typ: 'at+jwt' }));
    const body = b64url(JSON.stringify(claims()));
    for (const secret of [JSON.stringify(usKey.publicJwk), `${usKey.publicJwk.x}${usKey.publicJwk.y}`]) {
      const sig = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
      await refused(`${header}.${body}.${sig}`);
    }
  });

  it('refuses an expired token (past the 60 s skew), a wrong audience, a wrong or foreign issuer, a non-access typ', async () => {
    const base = { kid: usKey.kid, tid: top.usTenant.tenantId, cell: 'us-1', iss: top.us.issuer };
    await refused(await mint(usKey.key, { ...base, expSeconds: -120 }));
    await refused(await mint(usKey.key, { ...base, aud: 'someone-else' }));
    await refused(await mint(usKey.key, { ...base, iss: 'https://evil.example' }));
    await refused(await mint(usKey.key, { ...base, iss: top.eu.issuer }));
    // Signed by the cell's key but not an access token.
    await refused(await mint(usKey.key, { ...base, typ: 'JWT' }));
  });

  it('refuses a real us-1 key signing for an eu-1 tenant, however the claims are dressed', async () => {
    const eu = top.euTenant.tenantId;
    // As us-1 itself would sign it: cell us-1, but the tenant's home is eu-1.
    const asUs = await top.us.cell.deps.tokens.issueAccessToken({
      userId: top.euTenant.admin.userId,
      tenantId: eu,
      role: 'admin',
      sessionId: 'ses_x',
    });
    await refused(asUs);
    // Claiming to be eu-1 (cell and issuer), but the kid is a us-1 key.
    await refused(await mint(usKey.key, { kid: usKey.kid, tid: eu, cell: 'eu-1', iss: top.eu.issuer }));
  });

  it('refuses a token whose signature does not match, and a token that is not a JWT', async () => {
    const good = await mint(usKey.key, {
      kid: usKey.kid,
      tid: top.usTenant.tenantId,
      cell: 'us-1',
      iss: top.us.issuer,
    });
    const [h, p] = good.split('.');
    const tampered = b64url(JSON.stringify({ ...claims(), roles: ['admin'], sub: 'usr_other' }));
    await refused(`${h}.${tampered}.${good.split('.')[2]}`);
    await refused(`${h}.${p}`);
    const res = await edge.fetch('/v1/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(res.status).toBe(401);
  });

  it('answers 404 for a validly signed token of a tenant the control plane does not know', async () => {
    await refused(
      await mint(usKey.key, {
        kid: usKey.kid,
        tid: 'ten_deleted-long-ago',
        cell: 'us-1',
        iss: top.us.issuer,
      }),
      404,
    );
  });

  it('refreshes the snapshot exactly once for unknown kids (rate-limited), then 401', async () => {
    const fresh = await startEdge(edgeOptions());
    try {
      expect((await fresh.fetch('/v1/me', { headers: top.usTenant.admin.headers })).status).toBe(200);
      const before = top.snapshots.hits;
      const stranger = await testSigningKey('us-1', 'kid-nobody-published');
      for (let i = 0; i < 5; i++) {
        const token = await mint(stranger.privateKey, {
          kid: `kid-nobody-published-${i}`,
          tid: top.usTenant.tenantId,
          cell: 'us-1',
          iss: top.us.issuer,
        });
        const res = await fresh.fetch('/v1/me', { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(401);
      }
      expect(top.snapshots.hits).toBe(before + 1);
      expect((await fresh.stats()).missRefreshes).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('accepts a key published after the edge warmed up, through that one refresh', async () => {
    const fresh = await startEdge(edgeOptions());
    try {
      expect((await fresh.fetch('/v1/me', { headers: top.usTenant.admin.headers })).status).toBe(200);
      const rotated = await testSigningKey('echo-1', 'echo-rotated');
      top.snapshots.update((s) => {
        s.keys.push(rotated.routeKey);
      });
      const token = await mint(rotated.privateKey, {
        kid: rotated.kid,
        tid: top.echoTenant.tenantId,
        cell: 'echo-1',
        iss: top.echo.issuer,
      });
      const res = await fresh.fetch('/echo/me', { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-quire-cell')).toBe('echo-1');
    } finally {
      await fresh.close();
    }
  });
});
