import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  buildUser,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
} from '../../../test/support/harness.ts';
import { superuserSql } from '../../../test/support/superuser.ts';

/**
 * Consent (issue 14): purposes defined by admins; users grant and withdraw with the text
 * version, time and IP; the history is immutable (no UPDATE or DELETE, for the app role or the
 * owner); current state per user and per purpose; JSON export; isolation.
 */
let cell: TestCell;
let admin: TestUser;
let alice: TestUser;
let bob: TestUser;
let other: { tenantId: string; admin: TestUser };
let su: postgres.Sql;

beforeAll(async () => {
  cell = await startTestCell();
  ({ admin } = await buildTenant(cell));
  other = await buildTenant(cell);
  alice = await buildUser(cell, admin, 'editor');
  bob = await buildUser(cell, admin, 'viewer');
  su = superuserSql();
});

afterAll(async () => {
  await su?.end();
  await cell?.close();
});

describe('consent', () => {
  it('records grants and withdrawals with version, time and IP; state per user and purpose; export', async () => {
    expect(
      (await call(cell, alice, 'POST', '/v1/consent/purposes', { key: 'x', name: 'x', textVersion: '1' }))
        .status,
    ).toBe(403);
    const purpose = await call(cell, admin, 'POST', '/v1/consent/purposes', {
      key: 'product_updates',
      name: 'Product updates by mail',
      textVersion: '2026-01',
    });
    expect(purpose.status, JSON.stringify(purpose.body)).toBe(201);
    const analytics = await call(cell, admin, 'POST', '/v1/consent/purposes', {
      key: 'analytics',
      name: 'Usage analytics',
      textVersion: 'v1',
    });
    expect(
      (
        await call(cell, admin, 'POST', '/v1/consent/purposes', {
          key: 'analytics',
          name: 'dup',
          textVersion: 'v1',
        })
      ).status,
    ).toBe(409);
    const p = purpose.body.id as string;
    const a = analytics.body.id as string;
    expect((await call(cell, bob, 'GET', '/v1/consent/purposes')).body.items.map((i: any) => i.key)).toEqual([
      'analytics',
      'product_updates',
    ]);

    const grant = (u: TestUser, purposeId: string, decision: string, textVersion: string) =>
      call(cell, u, 'POST', '/v1/me/consents', { purposeId, decision, textVersion });
    const g = await grant(alice, p, 'granted', '2026-01');
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    expect(g.body).toMatchObject({ decision: 'granted', textVersion: '2026-01', userId: alice.userId });
    expect(Date.parse(g.body.occurredAt)).toBeGreaterThan(0);
    expect((await grant(bob, p, 'granted', '2026-01')).status).toBe(201);
    expect((await grant(alice, a, 'granted', 'v1')).status).toBe(201);
    expect((await grant(alice, p, 'withdrawn', '2026-01')).status).toBe(201);
    // A new text version: a grant of the old one is refused.
    await call(cell, admin, 'PATCH', `/v1/consent/purposes/${p}`, { textVersion: '2026-06' });
    const stale = await grant(bob, p, 'granted', '2026-01');
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toMatchObject({
      reason: 'stale_text_version',
      currentVersion: '2026-06',
    });

    const mine = await call(cell, alice, 'GET', '/v1/me/consents');
    expect(mine.body.history.map((e: any) => e.decision)).toEqual(['granted', 'granted', 'withdrawn']);
    expect(Object.fromEntries(mine.body.current.map((e: any) => [e.purposeId, e.decision]))).toEqual({
      [p]: 'withdrawn',
      [a]: 'granted',
    });

    expect((await call(cell, alice, 'GET', '/v1/consent/state')).status).toBe(403);
    const byPurpose = await call(cell, admin, 'GET', `/v1/consent/state?purposeId=${p}`);
    expect(Object.fromEntries(byPurpose.body.items.map((e: any) => [e.userId, e.decision]))).toEqual({
      [alice.userId]: 'withdrawn',
      [bob.userId]: 'granted',
    });
    expect(byPurpose.body.purposes).toMatchObject([{ id: p, granted: 1 }]);
    const byUser = await call(cell, admin, 'GET', `/v1/consent/state?userId=${bob.userId}`);
    expect(byUser.body.items.map((e: any) => [e.purposeId, e.decision])).toEqual([[p, 'granted']]);

    const exp = await call(cell, admin, 'GET', '/v1/consent/export');
    expect(exp.status).toBe(200);
    expect(exp.body.purposes).toHaveLength(2);
    expect(exp.body.events).toHaveLength(4);
    expect(exp.body.events[0]).toMatchObject({ decision: 'granted', textVersion: '2026-01' });
    expect(exp.body.events[0]).toHaveProperty('ip');

    // Tenant B sees nothing of A's, and cannot answer A's purposes.
    expect((await call(cell, other.admin, 'GET', '/v1/consent/export')).body.events).toEqual([]);
    expect((await call(cell, other.admin, 'GET', '/v1/consent/purposes')).body.items).toEqual([]);
    expect((await grant(other.admin, p, 'granted', '2026-06')).status).toBe(404);
    expect((await call(cell, other.admin, 'PATCH', `/v1/consent/purposes/${p}`, { name: 'x' })).status).toBe(
      404,
    );
  });

  it('the history is immutable: no UPDATE or DELETE for the app role, and a trigger stops the owner', async () => {
    const app = cell.deps.db.$client;
    await expect(app`update consent_events set decision = 'granted'`).rejects.toThrow(/permission denied/);
    await expect(app`delete from consent_events`).rejects.toThrow(/permission denied/);
    await expect(su`update consent_events set decision = 'granted'`).rejects.toThrow(/append-only/);
    await expect(su`delete from consent_events`).rejects.toThrow(/append-only/);
    await expect(su`truncate consent_events`).rejects.toThrow(/append-only/);
  });
});
