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
import { closeExtraction } from '../../src/modules/extraction/extract.ts';
import { drain, hitIds, search } from './support.ts';

/** Comment text in search: found by whoever may read the document, by nobody else, gone when deleted. */
let cell: TestCell;
let admin: TestUser;
let reader: TestUser;
let outsider: TestUser;
let tenantId: string;
let other: { tenantId: string; admin: TestUser };
let doc: string;

beforeAll(async () => {
  cell = await startTestCell();
  ({ tenantId, admin } = await buildTenant(cell));
  other = await buildTenant(cell);
  reader = await buildUser(cell, admin, 'viewer');
  outsider = await buildUser(cell, admin, 'viewer');
  doc = (await uploadDoc(cell, admin, 'supply agreement', { filename: 'supply.txt' })).body.document.id;
  const grant = await call(cell, admin, 'POST', '/v1/grants', {
    resourceType: 'document',
    resourceId: doc,
    principalType: 'user',
    principalId: reader.userId,
    role: 'viewer',
  });
  expect(grant.status).toBe(201);
  await drain(cell, [tenantId]);
});
afterAll(async () => {
  await closeExtraction();
  await cell.close();
});

describe('comment text in search', () => {
  let commentId: string;

  it('a reader finds the document by a word only its comment holds, once the worker has drained', async () => {
    const made = await call(cell, reader, 'POST', `/v1/documents/${doc}/comments`, {
      body: 'the penalty clause needs a zanzibarite exemption',
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    commentId = made.body.id;
    await drain(cell, [tenantId]);
    expect(hitIds(await search(cell, reader, { q: 'zanzibarite' }))).toEqual([doc]);
    expect(hitIds(await search(cell, admin, { q: 'zanzibarite' }))).toEqual([doc]);
  });

  it('someone of the tenant who may not read the document does not find it, nor count it', async () => {
    const res = await search(cell, outsider, { q: 'zanzibarite', facets: ['tags'] });
    expect(res.status).toBe(200);
    expect(hitIds(res)).toEqual([]);
    expect(res.body.total).toBe(0);
  });

  it("another tenant's admin finds nothing", async () => {
    const res = await search(cell, other.admin, { q: 'zanzibarite' });
    expect(hitIds(res)).toEqual([]);
    expect(res.body.total).toBe(0);
  });

  it('an edit replaces the text; a deleted comment is no longer found', async () => {
    const edited = await call(cell, reader, 'PATCH', `/v1/comments/${commentId}`, {
      body: 'the penalty clause needs a quokkaform exemption',
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    await drain(cell, [tenantId]);
    expect(hitIds(await search(cell, reader, { q: 'zanzibarite' }))).toEqual([]);
    expect(hitIds(await search(cell, reader, { q: 'quokkaform' }))).toEqual([doc]);
    expect((await call(cell, reader, 'DELETE', `/v1/comments/${commentId}`)).status).toBe(200);
    await drain(cell, [tenantId]);
    expect(hitIds(await search(cell, reader, { q: 'quokkaform' }))).toEqual([]);
    // The document itself is still found by its own text.
    expect(hitIds(await search(cell, reader, { q: 'supply' }))).toEqual([doc]);
  });
});
