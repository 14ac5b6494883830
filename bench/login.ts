/**
 * How many logins per second does a cell take, and at what p99, at 16 concurrent clients:
 * password (scrypt), OIDC callback (code exchange at a real oidc-provider, ID token checked
 * against its JWKS, user resolved, session), SAML ACS (node-saml signature and checks, replay
 * cache, user, session); and what does the second factor (TOTP verify) cost on top?
 *
 *   node_modules/.bin/node bench/login.ts [--seconds 8] [--flows 320]
 *
 * The cell serves over real HTTP; the identity providers run in this process (they share the
 * two cores with the cell and Postgres: figures compare variants on the same box). IdP round
 * trips that are not what is measured (authorization, login form) are prepared before each
 * phase; the measured request is exactly the one the browser sends to the cell. Not a test:
 * it prints figures, and exits 1 only when a login fails.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { newId } from '@quire/shared/ids';
import { eq } from 'drizzle-orm';
import * as schema from '../cell/src/db/schema/index.ts';
import { withTenantTx } from '../cell/src/db/tenant-tx.ts';
import { createChallenge } from '../cell/src/modules/identity/mfa/challenges.ts';
import { startTotp } from '../cell/src/modules/identity/mfa/factors.ts';
import { totpCode, totpStep } from '../cell/src/modules/identity/mfa/totp.ts';
import { type OidcIdp, startOidcIdp } from '../infra/local/idp/oidc.ts';
import { type SamlIdp, startSamlIdp } from '../infra/local/idp/saml.ts';
import { Browser, network } from '../test/support/browser.ts';
import { buildTenant, call } from '../test/support/harness.ts';
import { configureOidc, configureSaml, oidcRoundTrip, postAcs, samlRoundTrip } from '../test/support/sso.ts';
import { arg } from './lib/args.ts';
import { closedLoop } from './lib/closed-loop.ts';
import { type BenchDatabase, createBenchDatabase, runBench, startBenchCell } from './lib/setup.ts';
import { fmt, nowMs, summarize, table } from './lib/stats.ts';

const CLIENTS = 16;
const SECONDS = Number(arg('seconds', '8'));
const FLOWS = Number(arg('flows', '160'));

let db: BenchDatabase | undefined;
let cell: Awaited<ReturnType<typeof startBenchCell>> | undefined;
let oidc: OidcIdp | undefined;
let saml: SamlIdp | undefined;
const rows: (string | number)[][] = [];
let failures = 0;

function record(name: string, samples: number[], elapsed: number, errors: number) {
  const s = summarize(samples);
  rows.push([name, s.n, s.n / elapsed, s.p50, s.p99, errors]);
  failures += errors;
}

/** Runs `items` through `call` with CLIENTS in flight; returns latencies and seconds taken. */
async function drain<T>(items: T[], call: (item: T) => Promise<boolean>) {
  const samples: number[] = [];
  let errors = 0;
  let next = 0;
  const started = nowMs();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const t0 = nowMs();
        const ok = await call(item).catch(() => false);
        samples.push(nowMs() - t0);
        if (!ok) errors++;
      }
    }),
  );
  return { samples, elapsed: (nowMs() - started) / 1000, errors };
}

/** Prepares `n` items with CLIENTS in flight (not measured). */
async function prepare<T>(n: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await make(i);
      }
    }),
  );
  return out;
}

async function main(): Promise<boolean> {
  db = await createBenchDatabase('login');
  cell = await startBenchCell(db.appUrl, undefined, { SSO_ALLOW_INSECURE_IDP: 'true' });
  [oidc, saml] = await Promise.all([startOidcIdp(), startSamlIdp()]);
  const c = cell;
  const origin = c.url;
  const { tenantId, admin } = await buildTenant(c, 'enterprise');
  const as = (method: string, path: string, body?: unknown) => call(c, admin, method, path, body);

  // Micro: the primitives, single-threaded, in this process.
  const salt = randomBytes(16);
  let t0 = nowMs();
  for (let i = 0; i < 10; i++)
    scryptSync('correct horse battery staple', salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 << 20 });
  const scryptMs = (nowMs() - t0) / 10;
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  t0 = nowMs();
  for (let i = 0; i < 2000; i++) totpStep(secret, totpCode(secret));
  const totpMs = (nowMs() - t0) / 2000;

  // Users with passwords: CLIENTS of them, logged in over and over.
  const password = 'a long enough password for the bench';
  const users = await prepare(CLIENTS * 2, async (i) => {
    const email = `bench-${i}@login.bench`;
    const res = await as('POST', '/v1/users', { email, name: `Bench ${i}`, role: 'editor', password });
    if (res.status !== 201) throw new Error(`user: ${res.status}`);
    return email;
  });
  const loginBody = (email: string) => JSON.stringify({ tenantId, email, password });
  const post = (path: string, body: string) =>
    fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  // 1. Password logins (scrypt), closed loop.
  {
    let errors = 0;
    const { samples, elapsed } = await closedLoop(CLIENTS, SECONDS, async (k) => {
      const res = await post('/v1/auth/login', loginBody(users[k % users.length]!));
      if (res.status !== 200) errors++;
      await res.arrayBuffer();
    });
    record('password (scrypt N=2^15)', samples, elapsed, errors);
  }

  // 2. The second factor: each measured request is POST /v1/auth/mfa/verify (challenge read,
  //    TOTP secret unwrapped with the tenant key, code checked and its step spent, challenge
  //    consumed, session). A code works once per user and step, so FLOWS users each verify
  //    once; their factors and challenges are set up directly (the first factor, scrypt, is
  //    phase 1's figure).
  {
    const challenges = await prepare(FLOWS, async (i) => {
      const userId = newId('user');
      const secret = await withTenantTx(c.deps.db, tenantId, async (tx) => {
        await tx.insert(schema.users).values({
          tenantId,
          id: userId,
          email: `mfa-${i}@login.bench`,
          name: `MFA ${i}`,
          role: 'viewer',
          status: 'active',
        });
        const started = await startTotp(tx, c.deps, tenantId, userId, `mfa-${i}@login.bench`);
        await tx
          .update(schema.mfaFactors)
          .set({ confirmedAt: new Date() })
          .where(eq(schema.mfaFactors.id, started.factorId));
        return started.secret;
      });
      const token = await createChallenge(c.deps.redis, {
        tenantId,
        userId,
        kind: 'bearer',
        authMethod: 'password',
        amr: ['pwd'],
        connectionId: null,
        enrollment: false,
        ttlMs: 3600_000,
      });
      return { token, code: totpCode(secret) };
    });
    const r = await drain(challenges, async (ch) => {
      const res = await post('/v1/auth/mfa/verify', JSON.stringify({ mfaToken: ch.token, code: ch.code }));
      await res.arrayBuffer();
      return res.status === 200;
    });
    record('TOTP verify (+ session)', r.samples, r.elapsed, r.errors);
  }

  // 3. OIDC callbacks: FLOWS round trips prepared up to the callback, then delivered.
  {
    const conn = await configureOidc(as, oidc!, origin);
    const people = Array.from({ length: CLIENTS }, (_, i) => `oidc-${i}@login.bench`);
    for (const email of people)
      await oidcRoundTrip(new Browser(network), origin, conn, { email }, { tenantId }); // JIT once
    const flows = await prepare(FLOWS, async (i) => {
      const browser = new Browser(network);
      const trip = await oidcRoundTrip(
        browser,
        origin,
        conn,
        { email: people[i % people.length]! },
        { tenantId, deliver: false },
      );
      return { browser, url: trip.callback };
    });
    const r = await drain(flows, async (f) => {
      const res = await f.browser.request(f.url);
      await res.arrayBuffer();
      return res.status === 303 && res.headers.get('location') === '/';
    });
    record('OIDC callback', r.samples, r.elapsed, r.errors);
  }

  // 4. SAML ACS posts: FLOWS signed responses prepared, then posted.
  {
    const conn = await configureSaml(as, saml!);
    const people = Array.from({ length: CLIENTS }, (_, i) => `saml-${i}@login.bench`);
    for (const email of people)
      await samlRoundTrip(new Browser(network), origin, conn, { email }, { tenantId });
    const flows = await prepare(FLOWS, async (i) => {
      const browser = new Browser(network);
      const trip = await samlRoundTrip(
        browser,
        origin,
        conn,
        { email: people[i % people.length]! },
        { tenantId, deliver: false },
      );
      return { browser, trip };
    });
    const r = await drain(flows, async ({ browser, trip }) => {
      const res = await postAcs(browser, trip.acs, trip.samlResponse, trip.relayState);
      await res.arrayBuffer();
      return res.status === 303 && res.headers.get('location') === '/';
    });
    record('SAML ACS', r.samples, r.elapsed, r.errors);
  }

  console.log(
    `\nLogins at ${CLIENTS} concurrent clients (cell over HTTP; IdPs in the bench process; 2 cores shared)\n`,
  );
  console.log(table(['login', 'requests', 'per second', 'p50 ms', 'p99 ms', 'errors'], rows));
  console.log(
    `\nPrimitives, one thread: scrypt hash/verify ${fmt(scryptMs)} ms; TOTP check ${fmt(totpMs * 1000)} µs.` +
      '\nscrypt runs on libuv’s thread pool (4 threads by default), so password logins are CPU-bound' +
      ' at about cores / scrypt time; a second factor costs one more round trip and transaction.',
  );
  return failures === 0;
}

await runBench(main, async () => {
  await oidc?.close();
  await saml?.close();
  await cell?.close();
  await db?.drop();
});
