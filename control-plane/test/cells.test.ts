import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_GRACE_SECONDS } from '../src/modules/cells/heartbeat.ts';
import { sweepCells } from '../src/modules/cells/sweeper.ts';
import {
  createCellSlot,
  fakeHeartbeat,
  type LinkedCell,
  signingJwk,
  startLinkedCell,
} from './support/cells.ts';
import {
  dumpDatabase,
  EDGE_TOKEN,
  startControlPlane,
  type TestControlPlane,
} from './support/control-plane.ts';

let cp: TestControlPlane;
let us1: LinkedCell;

beforeAll(async () => {
  cp = await startControlPlane();
  us1 = await startLinkedCell(cp, 'us-1', 'us');
});

afterAll(async () => {
  await us1?.stop();
  await cp?.stop();
});

const snapshot = (etag?: string) =>
  cp.api('GET', '/v1/edge/snapshot', undefined, {
    token: EDGE_TOKEN,
    headers: etag ? { 'if-none-match': etag } : {},
  });

describe('cell registration and heartbeats', () => {
  it('a new slot is pending and absent from the snapshot until the cell heartbeats; then it is active with its keys', async () => {
    const before = await cp.api('GET', '/v1/admin/cells/us-1');
    expect(before.body.cell.status).toBe('pending');
    expect((await snapshot()).body.cells.map((c: any) => c.id)).not.toContain('us-1');

    await us1.heartbeat();

    const after = await cp.api('GET', '/v1/admin/cells/us-1');
    expect(after.body.cell).toMatchObject({
      status: 'active',
      region: 'us',
      baseUrl: us1.baseUrl,
      issuer: 'https://us-1.cells.test',
      capacity: 100,
    });
    const snap = (await snapshot()).body;
    expect(snap.cells).toContainEqual({
      id: 'us-1',
      region: 'us',
      baseUrl: us1.baseUrl,
      status: 'active',
      issuer: 'https://us-1.cells.test',
    });
    // The keys published for the edge are the cell's real JWKS.
    const jwks = (await (await fetch(`${us1.baseUrl}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    const published = snap.keys.filter((k: any) => k.cellId === 'us-1').map((k: any) => k.kid);
    expect(published.sort()).toEqual(jwks.keys.map((k) => k.kid).sort());
    expect(snap.keys.every((k: any) => k.retiresAt === null)).toBe(true);
  });

  it('a wrong credential, another cell’s credential, or none is refused (401), and nothing changes', async () => {
    const other = await createCellSlot(cp, 'us-9', 'us');
    const body = us1.link.heartbeat();
    for (const token of ['qcc_wrong-credential-0000000000000000000000', other, null]) {
      const res = await cp.api('PUT', '/v1/cells/us-1/heartbeat', body, { token });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
    const unknown = await cp.api('PUT', '/v1/cells/zz-404/heartbeat', body, { token: us1.credential });
    expect(unknown.status).toBe(401);
  });

  it('a heartbeat for another region than the slot’s is refused (409) and a bad body is a 400', async () => {
    const wrongRegion = await cp.api(
      'PUT',
      '/v1/cells/us-1/heartbeat',
      { ...us1.link.heartbeat(), region: 'eu' },
      { token: us1.credential },
    );
    expect(wrongRegion.status).toBe(409);
    expect(wrongRegion.body.error.details.reason).toBe('region_mismatch');
    const bad = await cp.api(
      'PUT',
      '/v1/cells/us-1/heartbeat',
      { ...us1.link.heartbeat(), baseUrl: 'ftp://x.example' },
      { token: us1.credential },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const pathy = await cp.api(
      'PUT',
      '/v1/cells/us-1/heartbeat',
      { ...us1.link.heartbeat(), baseUrl: 'http://user:pw@127.0.0.1:1/x?y' },
      { token: us1.credential },
    );
    expect(pathy.status).toBe(400);
  });

  it('after a control-plane restart, cells are not marked down before a whole window of listening', async () => {
    await us1.heartbeat();
    // The control plane was down for longer than the window: no heartbeat could arrive.
    cp.clock.advance(cp.deps.heartbeatTimeoutSeconds * 3);
    const listeningSince = cp.clock.now();
    expect((await sweepCells(cp.deps, { listeningSince })).down).toEqual([]);
    cp.clock.advance(cp.deps.heartbeatTimeoutSeconds - 1);
    expect((await sweepCells(cp.deps, { listeningSince })).down).toEqual([]);
    await us1.heartbeat();
    cp.clock.advance(2);
    expect((await sweepCells(cp.deps, { listeningSince })).down).toEqual([]);
    // Silent for a whole window while listening: down.
    cp.clock.advance(cp.deps.heartbeatTimeoutSeconds + 1);
    expect((await sweepCells(cp.deps, { listeningSince })).down).toContain('us-1');
    await us1.heartbeat();
  });

  it('a cell without a heartbeat for HEARTBEAT_TIMEOUT_SECONDS is marked down (version bumps); the next heartbeat brings it back', async () => {
    await us1.heartbeat();
    const v1 = (await snapshot()).body.version;
    cp.clock.advance(cp.deps.heartbeatTimeoutSeconds - 1);
    expect((await sweepCells(cp.deps)).down).toEqual([]);
    cp.clock.advance(2);
    expect((await sweepCells(cp.deps)).down).toContain('us-1');
    const down = (await snapshot()).body;
    expect(Number(down.version)).toBeGreaterThan(Number(v1));
    expect(down.cells.find((c: any) => c.id === 'us-1').status).toBe('down');
    expect((await cp.api('GET', '/v1/admin/cells/us-1')).body.cell.status).toBe('down');

    await us1.heartbeat();
    const up = (await snapshot()).body;
    expect(Number(up.version)).toBeGreaterThan(Number(down.version));
    expect(up.cells.find((c: any) => c.id === 'us-1').status).toBe('active');
  });

  it('drain and undrain: the snapshot says draining, the audit has both, the version moves each time', async () => {
    const v0 = (await snapshot()).body.version;
    const drained = await cp.api('POST', '/v1/admin/cells/us-1/drain');
    expect(drained.status).toBe(200);
    expect(drained.body.cell.status).toBe('draining');
    const s1 = (await snapshot()).body;
    expect(s1.cells.find((c: any) => c.id === 'us-1').status).toBe('draining');
    expect(Number(s1.version)).toBeGreaterThan(Number(v0));
    // Heartbeats do not undo a drain.
    await us1.heartbeat();
    expect((await cp.api('GET', '/v1/admin/cells/us-1')).body.cell.status).toBe('draining');

    const undrained = await cp.api('POST', '/v1/admin/cells/us-1/undrain');
    expect(undrained.body.cell.status).toBe('active');
    expect(Number((await snapshot()).body.version)).toBeGreaterThan(Number(s1.version));
    const audit = await cp.api('GET', '/v1/admin/audit?targetId=us-1');
    expect(audit.body.entries.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['cells.drain', 'cells.undrain', 'cells.create']),
    );
    expect((await cp.api('POST', '/v1/admin/cells/zz-none/drain')).status).toBe(404);
  });

  it('a second slot with an existing id is a 409; a rotated credential replaces the old one at once', async () => {
    const dup = await cp.api('POST', '/v1/admin/cells', { id: 'us-1', region: 'us' });
    expect(dup.status).toBe(409);
    const slot = { id: 'us-8', region: 'us', credential: await createCellSlot(cp, 'us-8', 'us') };
    expect((await fakeHeartbeat(cp, slot)).status).toBe(200);
    const rotated = await cp.api('POST', '/v1/admin/cells/us-8/credential');
    expect(rotated.status).toBe(200);
    expect((await fakeHeartbeat(cp, slot)).status).toBe(401);
    expect((await fakeHeartbeat(cp, { ...slot, credential: rotated.body.credential })).status).toBe(200);
  });
});

describe('cell credentials', () => {
  it('are stored only hashed and encrypted: the database never holds one in clear', async () => {
    const dump = await dumpDatabase(cp.db.ownerUrl);
    expect(dump).toContain('us-1');
    expect(dump).not.toContain(us1.credential);
    expect(dump).not.toContain(us1.credential.slice(4));
  });
});

describe('edge snapshot', () => {
  it('answers 304 to its own ETag, and a new body with a new ETag after a change', async () => {
    const first = await snapshot();
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toBe(`"${first.body.version}"`);
    const again = await snapshot(etag);
    expect(again.status).toBe(304);
    // A heartbeat that changes nothing the edge sees keeps the version.
    await us1.heartbeat();
    expect((await snapshot(etag)).status).toBe(304);

    await cp.api('POST', '/v1/admin/cells/us-1/drain');
    const changed = await snapshot(etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    await cp.api('POST', '/v1/admin/cells/us-1/undrain');
  });

  it('needs the edge token', async () => {
    expect((await cp.api('GET', '/v1/edge/snapshot', undefined, { token: null })).status).toBe(401);
    expect((await cp.api('GET', '/v1/edge/snapshot')).status).toBe(401); // an ops token is not the edge's
  });
});

describe('signing key retirement (JWKS aggregation)', () => {
  it('a key the cell stops advertising stays published until last seen + token TTL + skew, then is dropped', async () => {
    const slot = { id: 'us-7', region: 'us', credential: await createCellSlot(cp, 'us-7', 'us') };
    const k1 = await signingJwk('us-7-old');
    const k2 = await signingJwk('us-7-new');
    const beforeSeen = cp.clock.now().getTime();
    await fakeHeartbeat(cp, slot, { keys: [k1] });
    const lastSeenOld = cp.clock.now().getTime();
    const s0 = (await snapshot()).body;

    cp.clock.advance(5);
    await fakeHeartbeat(cp, slot, { keys: [k2] }); // rotation: k1 no longer advertised
    const s1 = (await snapshot()).body;
    expect(Number(s1.version)).toBeGreaterThan(Number(s0.version));
    const old = s1.keys.find((k: any) => k.kid === 'us-7-old');
    const fresh = s1.keys.find((k: any) => k.kid === 'us-7-new');
    expect(fresh).toMatchObject({ cellId: 'us-7', retiresAt: null, x: k2.x });
    expect(old.cellId).toBe('us-7');
    // Last seen during that heartbeat (the clock runs in real time between advances).
    expect(old.retiresAt).toBeGreaterThanOrEqual(Math.floor((beforeSeen + KEY_GRACE_SECONDS * 1000) / 1000));
    expect(old.retiresAt).toBeLessThanOrEqual(Math.floor((lastSeenOld + KEY_GRACE_SECONDS * 1000) / 1000));
    expect(KEY_GRACE_SECONDS).toBe(900 + 60);

    // Still there just before it retires, even across heartbeats and sweeps.
    cp.clock.advance(KEY_GRACE_SECONDS - 10);
    await fakeHeartbeat(cp, slot, { keys: [k2] });
    await sweepCells(cp.deps);
    expect((await snapshot()).body.keys.map((k: any) => k.kid)).toContain('us-7-old');

    cp.clock.advance(10);
    const swept = await sweepCells(cp.deps);
    expect(swept.droppedKeys).toBeGreaterThanOrEqual(1);
    const s2 = (await snapshot()).body;
    expect(s2.keys.map((k: any) => k.kid)).not.toContain('us-7-old');
    expect(s2.keys.map((k: any) => k.kid)).toContain('us-7-new');
    expect(Number(s2.version)).toBeGreaterThan(Number(s1.version));
    // Time moved for every cell: bring the real one back for the other tests.
    await us1.heartbeat();
  });

  it('a key advertised again before it retires is un-retired', async () => {
    const slot = { id: 'us-6', region: 'us', credential: await createCellSlot(cp, 'us-6', 'us') };
    const k1 = await signingJwk('us-6-a');
    const k2 = await signingJwk('us-6-b');
    await fakeHeartbeat(cp, slot, { keys: [k1, k2] });
    await fakeHeartbeat(cp, slot, { keys: [k2] });
    expect((await snapshot()).body.keys.find((k: any) => k.kid === 'us-6-a').retiresAt).not.toBeNull();
    await fakeHeartbeat(cp, slot, { keys: [k1, k2] });
    expect((await snapshot()).body.keys.find((k: any) => k.kid === 'us-6-a').retiresAt).toBeNull();
  });
});
