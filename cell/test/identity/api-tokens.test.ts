import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import { asUser } from '../../../test/support/identity.ts';
import { superuserSql } from '../../../test/support/superuser.ts';

/**
 * Personal API tokens: scoped, expiring, hashed at rest, listed and revocable, and checked
 * on every request like a session, on the hot read path as on every other.
 */
let cell: TestCell;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
let docId: string;

beforeAll(async () => {
  cell = await startTestCell();
  a = await buildTenant(cell);
  b = await buildTenant(cell);
  const up = await uploadDoc(cell, a.admin, 'a contract for scripts');
  docId = up.body.document.id;
});
afterAll(async () => cell.close());

async function token(user: TestUser, scopes: string[], name = 'script') {
  const res = await call(cell, user, 'POST', '/v1/me/api-tokens', { name, scopes, expiresInDays: 30 });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, user: asUser(user.tenantId, user.userId, res.body.token as string) };
}

describe('scopes', () => {
  it('documents:read reads content and nothing else', async () => {
    const { user } = await token(a.admin, ['documents:read']);
    expect((await call(cell, user, 'GET', `/v1/documents/${docId}`)).status).toBe(200); // hot path
    expect((await call(cell, user, 'GET', `/v1/documents/${docId}/versions`)).status).toBe(200);
    expect((await call(cell, user, 'GET', '/v1/folders/root/children')).status).toBe(200);
    expect((await call(cell, user, 'GET', '/v1/me')).status).toBe(200);
    // Writing, identity and administration are out of reach.
    expect((await uploadDoc(cell, user, 'nope')).status).toBe(403);
    expect((await call(cell, user, 'PATCH', `/v1/documents/${docId}`, { title: 'x' })).status).toBe(403);
    expect((await call(cell, user, 'GET', '/v1/users')).status).toBe(403);
    expect((await call(cell, user, 'GET', '/v1/audit')).status).toBe(403);
    expect((await call(cell, user, 'GET', '/v1/me/sessions')).status).toBe(403);
    expect((await call(cell, user, 'POST', '/v1/auth/logout-all')).status).toBe(403);
    expect((await call(cell, user, 'POST', '/v1/me/mfa/totp')).status).toBe(403);
    expect((await call(cell, user, 'PUT', '/v1/identity/settings', { mfaRequired: 'off' })).status).toBe(403);
    // A token never mints another credential.
    const again = await call(cell, user, 'POST', '/v1/me/api-tokens', {
      name: 'x',
      scopes: ['documents:read'],
    });
    expect(again.status).toBe(403);
    // Refusals are audited.
    const denied = await call(cell, a.admin, 'GET', '/v1/audit?action=access.denied&limit=100');
    expect(denied.body.items.length).toBeGreaterThan(0);
  });

  it('documents:write writes; a token without documents:read cannot read, on the hot path either', async () => {
    const { user } = await token(a.admin, ['documents:write']);
    expect((await uploadDoc(cell, user, 'written by a script')).status).toBe(201);
    expect((await call(cell, user, 'GET', `/v1/documents/${docId}`)).status).toBe(403);
    expect((await call(cell, user, 'GET', `/v1/documents/${docId}/versions`)).status).toBe(403);
  });

  it('audit:read is for admins only, and reads the audit log', async () => {
    const editor = await buildEditor();
    const refused = await call(cell, editor, 'POST', '/v1/me/api-tokens', {
      name: 'siem',
      scopes: ['audit:read'],
    });
    expect(refused.status).toBe(403);
    const { user } = await token(a.admin, ['audit:read'], 'siem');
    expect((await call(cell, user, 'GET', '/v1/audit?limit=5')).status).toBe(200);
    expect((await call(cell, user, 'GET', `/v1/documents/${docId}`)).status).toBe(403);
  });

  it('a token acts with its user’s role now: a demoted user’s token is demoted too', async () => {
    const editor = await buildEditor();
    const { user } = await token(editor, ['documents:read', 'documents:write']);
    expect((await uploadDoc(cell, user, 'by editor token')).status).toBe(201);
    await call(cell, a.admin, 'PATCH', `/v1/users/${editor.userId}`, { role: 'viewer' });
    expect((await uploadDoc(cell, user, 'by viewer token')).status).toBe(403);
  });
});

describe('lifecycle', () => {
  it('listed without the secret, revocable, refused at once once revoked (hot path included)', async () => {
    const { id, user } = await token(a.admin, ['documents:read'], 'nightly export');
    const list = await call(cell, a.admin, 'GET', '/v1/me/api-tokens');
    const listed = list.body.items.find((t: { id: string }) => t.id === id);
    expect(listed).toMatchObject({ name: 'nightly export', scopes: ['documents:read'] });
    expect(JSON.stringify(list.body)).not.toContain(user.token);
    expect((await call(cell, a.admin, 'DELETE', `/v1/me/api-tokens/${id}`)).status).toBe(204);
    expect((await call(cell, user, 'GET', `/v1/documents/${docId}`)).status).toBe(401);
    expect((await call(cell, user, 'GET', '/v1/folders/root/children')).status).toBe(401);
    expect(
      (await call(cell, a.admin, 'GET', '/v1/me/api-tokens')).body.items.map((t: { id: string }) => t.id),
    ).not.toContain(id);
  });

  it('only a hash is stored; an expired token is refused', async () => {
    const { id, user } = await token(a.admin, ['documents:read']);
    const sql = superuserSql();
    try {
      const [row] = await sql`select * from sessions where id = ${id}`;
      expect(row!.token_hash).toBe(createHash('sha256').update(user.token).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(user.token);
      await sql`update sessions set expires_at = now() - interval '1 second' where id = ${id}`;
    } finally {
      await sql.end();
    }
    expect((await call(cell, user, 'GET', `/v1/documents/${docId}`)).status).toBe(401);
    expect((await call(cell, user, 'GET', '/v1/me')).status).toBe(401);
  });

  it('someone else’s token, or another tenant’s, cannot be revoked (404)', async () => {
    const { id, user } = await token(a.admin, ['documents:read']);
    const editor = await buildEditor();
    expect((await call(cell, editor, 'DELETE', `/v1/me/api-tokens/${id}`)).status).toBe(404);
    expect((await call(cell, b.admin, 'DELETE', `/v1/me/api-tokens/${id}`)).status).toBe(404);
    expect((await call(cell, user, 'GET', '/v1/me')).status).toBe(200);
  });

  it('a token of tenant A reaches nothing of tenant B', async () => {
    const { user } = await token(b.admin, ['documents:read', 'documents:write']);
    expect((await call(cell, user, 'GET', `/v1/documents/${docId}`)).status).toBe(404);
    expect((await call(cell, user, 'GET', `/v1/documents/${docId}/versions`)).status).toBe(404);
  });

  it('refuses a lifetime past a year and unknown scopes', async () => {
    const long = await call(cell, a.admin, 'POST', '/v1/me/api-tokens', {
      name: 'x',
      scopes: ['documents:read'],
      expiresInDays: 400,
    });
    expect(long.status).toBe(400);
    const bad = await call(cell, a.admin, 'POST', '/v1/me/api-tokens', { name: 'x', scopes: ['admin'] });
    expect(bad.status).toBe(400);
  });
});

async function buildEditor(): Promise<TestUser> {
  const { buildUser } = await import('../../../test/support/harness.ts');
  return buildUser(cell, a.admin, 'editor');
}
