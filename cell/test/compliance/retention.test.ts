import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  buildUser,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import { runDuePolicies } from '../../src/modules/retention/run.ts';

/**
 * Retention (issue 14): policies by folder, tag or type; the dry run lists what a run removes
 * and a run removes exactly that; held documents are never touched (listed as held, queued);
 * every action audited; admins only; tenants isolated.
 */
let cell: TestCell;
let admin: TestUser;
let tenantId: string;
let other: { tenantId: string; admin: TestUser };

beforeAll(async () => {
  cell = await startTestCell();
  const t = await buildTenant(cell);
  admin = t.admin;
  tenantId = t.tenantId;
  other = await buildTenant(cell);
});

afterAll(async () => {
  await cell?.close();
});

const doc = async (text: string, q: Record<string, string> = {}, tags: string[] = []) => {
  const id = (await uploadDoc(cell, admin, text, { filename: 'f.txt', ...q })).body.document.id as string;
  if (tags.length)
    expect((await call(cell, admin, 'PATCH', `/v1/documents/${id}`, { tags })).status).toBe(200);
  return id;
};
const policy = async (body: Record<string, unknown>) => {
  const res = await call(cell, admin, 'POST', '/v1/retention-policies', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
};

describe('retention', () => {
  it('a run removes exactly what the dry run listed, never a held document, every action audited', async () => {
    const tagged = [
      await doc('a', {}, ['ephemeral']),
      await doc('b', {}, ['ephemeral']),
      await doc('c', {}, ['ephemeral']),
    ];
    const heldDoc = await doc('held', {}, ['ephemeral']);
    const untagged = await doc('keep me');
    const h = await call(cell, admin, 'POST', '/v1/legal-holds', {
      name: 'Keep one',
      documentIds: [heldDoc],
    });
    expect(h.status).toBe(201);

    const id = await policy({
      name: 'Ephemeral notes',
      scope: { kind: 'tag', value: 'ephemeral' },
      basis: 'created',
      keepDays: 0,
      action: 'trash',
    });
    const dry = await call(cell, admin, 'POST', `/v1/retention-policies/${id}/dry-run`);
    expect(dry.status).toBe(200);
    expect(dry.body.items.map((i: any) => i.id)).toEqual([...tagged].sort());
    expect(dry.body.held).toEqual([{ id: heldDoc, holdIds: [h.body.id] }]);

    const run = await call(cell, admin, 'POST', `/v1/retention-policies/${id}/run`);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body.removed).toEqual(dry.body.items.map((i: any) => i.id));
    expect(run.body.items).toEqual(dry.body.items);
    for (const d of tagged)
      expect((await call(cell, admin, 'GET', `/v1/documents/${d}`)).body.trashedAt).not.toBeNull();
    expect((await call(cell, admin, 'GET', `/v1/documents/${heldDoc}`)).body.trashedAt).toBeNull();
    expect((await call(cell, admin, 'GET', `/v1/documents/${untagged}`)).body.trashedAt).toBeNull();
    // Nothing left to do: a second dry run lists nothing but the held document.
    const again = await call(cell, admin, 'POST', `/v1/retention-policies/${id}/dry-run`);
    expect(again.body.items).toEqual([]);
    expect(again.body.held.map((x: any) => x.id)).toEqual([heldDoc]);
    // Audited per document, and the run itself.
    for (const d of tagged) {
      const trail = await call(cell, admin, 'GET', `/v1/audit?resourceId=${d}`);
      expect(trail.body.items.map((e: any) => e.action)).toContain('retention.trashed');
    }
    const runs = await call(cell, admin, 'GET', `/v1/audit?resourceId=${id}`);
    expect(runs.body.items.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['retention.policy_created', 'retention.run']),
    );
    // The held document is queued behind its hold; on release it goes.
    const rel = await call(cell, admin, 'POST', `/v1/legal-holds/${h.body.id}/release`);
    expect(rel.body.resumed.map((r: any) => r.outcome)).toEqual(['trashed']);
    expect((await call(cell, admin, 'GET', `/v1/documents/${heldDoc}`)).body.trashedAt).not.toBeNull();
  });

  it('by folder with permanent deletion, by type, and kept while younger than keepDays; the worker runs due policies', async () => {
    const folder = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Scratch' })).body.id as string;
    const sub = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Deeper', parentId: folder })).body
      .id as string;
    const inside = [await doc('x', { folderId: folder }), await doc('y', { folderId: sub })];
    const outside = await doc('z');
    const young = await policy({
      name: 'Thirty days',
      scope: { kind: 'folder', value: folder },
      basis: 'updated',
      keepDays: 30,
      action: 'delete',
    });
    expect((await call(cell, admin, 'POST', `/v1/retention-policies/${young}/dry-run`)).body.items).toEqual(
      [],
    );
    const now = await policy({
      name: 'Scratch purge',
      scope: { kind: 'folder', value: folder },
      basis: 'updated',
      keepDays: 0,
      action: 'delete',
      enabled: false,
    });
    const dry = await call(cell, admin, 'POST', `/v1/retention-policies/${now}/dry-run`);
    expect(dry.body.items.map((i: any) => i.id)).toEqual([...inside].sort());
    const run = await call(cell, admin, 'POST', `/v1/retention-policies/${now}/run`);
    expect(run.body.removed).toEqual(dry.body.items.map((i: any) => i.id));
    for (const d of inside) expect((await call(cell, admin, 'GET', `/v1/documents/${d}`)).status).toBe(404);
    expect((await call(cell, admin, 'GET', `/v1/documents/${outside}`)).status).toBe(200);

    const byType = await policy({
      name: 'Plain text',
      scope: { kind: 'type', value: 'text/*' },
      basis: 'created',
      keepDays: 0,
      action: 'trash',
    });
    const typed = await call(cell, admin, 'POST', `/v1/retention-policies/${byType}/dry-run`);
    expect(typed.body.items.map((i: any) => i.id)).toContain(outside);
    // The worker's sweep: enabled, due policies, as the system.
    const removed = await runDuePolicies(cell.deps, tenantId);
    expect(removed).toBeGreaterThanOrEqual(1);
    expect((await call(cell, admin, 'GET', `/v1/documents/${outside}`)).body.trashedAt).not.toBeNull();
    const trail = await call(cell, admin, 'GET', `/v1/audit?resourceId=${outside}`);
    const entry = trail.body.items.find((e: any) => e.action === 'retention.trashed');
    expect(entry).toMatchObject({ actor: { type: 'system', id: 'retention' } });
  });

  it('a policy is changed in place: the daily pass skips it while disabled, the change is audited', async () => {
    const id = await policy({
      name: 'Drafts',
      scope: { kind: 'tag', value: 'draft-patch' },
      basis: 'created',
      keepDays: 365,
      action: 'trash',
    });
    const draft = await doc('a draft', {}, ['draft-patch']);
    expect((await call(cell, admin, 'POST', `/v1/retention-policies/${id}/dry-run`)).body.items).toEqual([]);

    // Disabled and shortened: due now, but the daily pass leaves it alone.
    const off = await call(cell, admin, 'PATCH', `/v1/retention-policies/${id}`, {
      keepDays: 0,
      enabled: false,
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body).toMatchObject({ id, name: 'Drafts', keepDays: 0, enabled: false, action: 'trash' });
    expect(off.body.scope).toEqual({ kind: 'tag', value: 'draft-patch' });
    await runDuePolicies(cell.deps, tenantId);
    expect((await call(cell, admin, 'GET', `/v1/documents/${draft}`)).body.trashedAt).toBeNull();
    expect(
      (await call(cell, admin, 'POST', `/v1/retention-policies/${id}/dry-run`)).body.items,
    ).toMatchObject([{ id: draft }]);

    // Enabled again: the next pass trashes it.
    const on = await call(cell, admin, 'PATCH', `/v1/retention-policies/${id}`, {
      enabled: true,
      name: 'Old drafts',
    });
    expect(on.body).toMatchObject({ name: 'Old drafts', enabled: true, keepDays: 0 });
    await runDuePolicies(cell.deps, tenantId);
    expect((await call(cell, admin, 'GET', `/v1/documents/${draft}`)).body.trashedAt).not.toBeNull();

    const trail = await call(cell, admin, 'GET', `/v1/audit?resourceId=${id}`);
    const changes = trail.body.items.filter((e: any) => e.action === 'retention.policy_updated');
    expect(changes).toHaveLength(2);
    expect(changes.map((e: any) => e.details.after.enabled).sort()).toEqual([false, true]);

    // The scope is not changeable, an empty change is refused, and so is a change by a non-admin
    // or another tenant.
    const scoped = await call(cell, admin, 'PATCH', `/v1/retention-policies/${id}`, {
      scope: { kind: 'tag', value: 'other' },
    });
    expect(scoped.status).toBe(400);
    expect((await call(cell, admin, 'PATCH', `/v1/retention-policies/${id}`, {})).status).toBe(400);
    const editor = await buildUser(cell, admin, 'editor');
    expect(
      (await call(cell, editor, 'PATCH', `/v1/retention-policies/${id}`, { enabled: false })).status,
    ).toBe(403);
    expect(
      (await call(cell, other.admin, 'PATCH', `/v1/retention-policies/${id}`, { enabled: false })).status,
    ).toBe(404);
    expect((await call(cell, admin, 'GET', `/v1/retention-policies/${id}`)).body.enabled).toBe(true);
  });

  it('is for admins only, and isolated per tenant', async () => {
    const editor = await buildUser(cell, admin, 'editor');
    const id = await policy({
      name: 'Iso',
      scope: { kind: 'tag', value: 'iso' },
      basis: 'created',
      keepDays: 1,
      action: 'trash',
    });
    expect((await call(cell, editor, 'GET', '/v1/retention-policies')).status).toBe(403);
    expect((await call(cell, editor, 'POST', `/v1/retention-policies/${id}/run`)).status).toBe(403);
    expect((await call(cell, other.admin, 'GET', `/v1/retention-policies/${id}`)).status).toBe(404);
    expect((await call(cell, other.admin, 'POST', `/v1/retention-policies/${id}/dry-run`)).status).toBe(404);
    expect((await call(cell, other.admin, 'POST', `/v1/retention-policies/${id}/run`)).status).toBe(404);
    expect((await call(cell, other.admin, 'DELETE', `/v1/retention-policies/${id}`)).status).toBe(404);
    expect((await call(cell, other.admin, 'GET', '/v1/retention-policies')).body.items).toEqual([]);
    expect((await call(cell, admin, 'DELETE', `/v1/retention-policies/${id}`)).status).toBe(204);
  });
});
