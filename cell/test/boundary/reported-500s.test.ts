import { newId } from '@quire/shared/ids';
import { tenantSecretSchema } from '@quire/shared/tenant-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  call,
  INTERNAL_TOKEN,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';

/**
 * The five operations schema fuzzing answered 500 on (issue 16), two of them without logging
 * in: each now answers 400 in the error envelope, because the value is refused at the
 * boundary before anything reaches the database.
 */
let cell: TestCell;
let admin: TestUser;
let tenantId: string;

beforeAll(async () => {
  cell = await startTestCell();
  ({ tenantId, admin } = await buildTenant(cell));
});
afterAll(async () => cell.close());

const secret = 'A'.repeat(43);

function expectRefused(res: { status: number; body: Record<string, any> }, field: string) {
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('validation_failed');
  expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
}

describe('the tokens the cell issues have the shape the boundary accepts', () => {
  it('refresh tokens (login) and invitation tokens (provisioning)', async () => {
    const login = await call(cell, null, 'POST', '/v1/auth/refresh', { refreshToken: 'x' });
    expect(login.status).toBe(400);
    const pair = await call(cell, null, 'POST', '/v1/auth/login', {
      tenantId,
      email: `admin@${tenantId.replace('_', '-')}.test`,
      password: 'correct horse battery staple',
    });
    expect(tenantSecretSchema.safeParse(pair.body.refreshToken).success).toBe(true);
    const invited = `ten_i${newId('tenant').slice(-12)}`;
    const res = await cell.app.request(`/internal/v1/tenants/${invited}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        slug: invited.slice(4),
        plan: 'standard',
        admin: { email: 'i@x.test', name: 'I' },
      }),
    });
    const { invitationToken } = (await res.json()) as { invitationToken: string };
    expect(tenantSecretSchema.safeParse(invitationToken).success).toBe(true);
  });
});

describe('values Postgres refuses never reach it', () => {
  it('a NUL inside an invitation token (no login needed) is a 400, not the tenant setting', async () => {
    for (const token of [
      `ten_a\u0000b.${secret}`,
      `${tenantId}.${secret.slice(1)}\u0000`,
      `${tenantId}\u0000.${secret}`,
    ])
      expectRefused(
        await call(cell, null, 'POST', '/v1/auth/accept-invitation', {
          token,
          password: 'a long enough password',
        }),
        'token',
      );
  });

  it('a NUL inside a refresh token (no login needed) is a 400', async () => {
    for (const refreshToken of [`ten_a\u0000.${secret}`, `${tenantId}.${secret.slice(1)}\u0000`, 'short'])
      expectRefused(await call(cell, null, 'POST', '/v1/auth/refresh', { refreshToken }), 'refreshToken');
  });

  it('a NUL inside a group name is a 400', async () => {
    expectRefused(await call(cell, admin, 'POST', '/v1/groups', { name: 'fin\u0000ance' }), 'name');
  });

  it('a NUL inside a document title is a 400, on upload and on update', async () => {
    const upload = await uploadDoc(cell, admin, 'x', { title: 'q3\u0000report' });
    expect(upload.status).toBe(400);
    const doc = (await uploadDoc(cell, admin, 'x')).body.document;
    expectRefused(
      await call(cell, admin, 'PATCH', `/v1/documents/${doc.id}`, { title: 'q3\u0000' }),
      'title',
    );
    expectRefused(
      await call(cell, admin, 'PATCH', `/v1/documents/${doc.id}`, { customFields: { note: 'a\u0000b' } }),
      'customFields.note',
    );
  });

  it('audit filters: timestamps Postgres cannot hold are a 400, extreme offsets are clamped into its range', async () => {
    for (const from of ['0000-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-01-01T23:59:60Z', '2026-01-01'])
      expectRefused(await call(cell, admin, 'GET', `/v1/audit?from=${encodeURIComponent(from)}`), 'from');
    for (const q of [
      'from=0637-02-25T00:17:28%2B19:23',
      'from=0001-01-01T00:00:00%2B14:00',
      'to=9999-12-31T23:59:59-14:00',
      'from=2026-01-31T12:00:00Z&to=2026-01-31T12:00:00Z',
    ]) {
      const res = await call(cell, admin, 'GET', `/v1/audit?${q}`);
      expect(res.status, q).toBe(200);
    }
  });
});
