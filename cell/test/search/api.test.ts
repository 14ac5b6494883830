import sharp from 'sharp';
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
import { uploadMetadata } from '../../src/modules/documents/upload-metadata.ts';
import { closeExtraction } from '../../src/modules/extraction/extract.ts';
import { closePreviews } from '../../src/modules/previews/render.ts';
import { drain, hitIds, search } from './support.ts';

/** GET /v1/search through the real app: uploads, the worker's drain, permissions, isolation, bad input. */
let cell: TestCell;
let admin: TestUser;
let tenantId: string;
let other: { tenantId: string; admin: TestUser };

const grant = (resourceId: string, principalId: string, role = 'viewer', principalType = 'user') =>
  call(cell, admin, 'POST', '/v1/grants', {
    resourceType: resourceId.startsWith('fld_') ? 'folder' : 'document',
    resourceId,
    principalType,
    principalId,
    role,
  });

async function upload(content: string | Uint8Array, q: Record<string, string>, contentType = 'text/plain') {
  const res = await uploadDoc(cell, admin, content, q, { 'content-type': contentType });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.document.id as string;
}

beforeAll(async () => {
  cell = await startTestCell();
  ({ tenantId, admin } = await buildTenant(cell));
  other = await buildTenant(cell);
});
afterAll(async () => {
  await Promise.all([closeExtraction(), closePreviews()]);
  await cell.close();
});

describe('from upload to search', () => {
  it('an uploaded document is found once the worker has drained the outbox, with a highlighted snippet', async () => {
    const id = await upload('The quarterly reconciliation of <vendor> accounts is overdue.', {
      filename: 'recon.txt',
      title: 'Reconciliation memo',
    });
    expect(hitIds(await search(cell, admin, { q: 'reconciliation' }))).not.toContain(id);
    const stats = await drain(cell, [tenantId]);
    expect(stats.indexed).toBeGreaterThanOrEqual(1);
    const res = await search(cell, admin, { q: 'reconciliation' });
    expect(res.status).toBe(200);
    expect(hitIds(res)).toEqual([id]);
    expect(res.body.total).toBe(1);
    expect(res.body.totalRelation).toBe('eq');
    expect(res.body.items[0].snippets.join(' ')).toContain('<mark>reconciliation</mark>');
    expect(res.body.items[0].snippets.join(' ')).toContain('&lt;vendor&gt;');
    expect(res.headers.get('ratelimit-policy')).toContain('"search";q=100;w=60');
    const detail = await call(cell, admin, 'GET', `/v1/documents/${id}`);
    expect(detail.body.currentVersion.extraction).toMatchObject({
      status: 'done',
      errorCode: null,
      language: 'english',
    });
  });

  it('a failed extraction is visible on the version, and the document is still found by title and file name', async () => {
    const id = await upload(
      '%PDF-1.7 this is not really a pdf',
      { filename: 'broken-lease.pdf', title: 'Warehouse lease' },
      'application/pdf',
    );
    const before = await call(cell, admin, 'GET', `/v1/documents/${id}`);
    expect(before.body.currentVersion.extraction.status).toBe('pending');
    await drain(cell, [tenantId]);
    const detail = await call(cell, admin, 'GET', `/v1/documents/${id}`);
    expect(detail.body.currentVersion.extraction.status).toBe('failed');
    expect(detail.body.currentVersion.extraction.errorCode).toBe('corrupt');
    expect(detail.body.currentVersion.extraction.errorMessage).toEqual(expect.any(String));
    const versions = await call(cell, admin, 'GET', `/v1/documents/${id}/versions`);
    expect(versions.body.items[0].extraction.status).toBe('failed');
    expect(hitIds(await search(cell, admin, { q: 'warehouse' }))).toEqual([id]);
    expect(hitIds(await search(cell, admin, { q: 'broken' }))).toEqual([id]);
  });

  it('a type without text is "unsupported", searchable by its metadata, and an image gets a preview served like a download', async () => {
    const png = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#c33' } })
      .png()
      .toBuffer();
    const id = await upload(png, { filename: 'site-photo.png', title: 'Site photo' }, 'image/png');
    await drain(cell, [tenantId]);
    const detail = await call(cell, admin, 'GET', `/v1/documents/${id}`);
    expect(detail.body.currentVersion.extraction).toMatchObject({
      status: 'unsupported',
      errorCode: 'unsupported_type',
    });
    expect(detail.body.currentVersion.extraction.preview).toBe(true);
    const res = await search(cell, admin, { q: 'photo', types: ['image'] });
    expect(hitIds(res)).toEqual([id]);

    const preview = await cell.app.request(`/v1/documents/${id}/preview`, { headers: admin.headers });
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await preview.arrayBuffer());
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect((await sharp(bytes).metadata()).width).toBeGreaterThan(0);
    // Authorized like a download: not found for a user without a grant, or another tenant.
    const viewer = await buildUser(cell, admin, 'viewer');
    expect((await call(cell, viewer, 'GET', `/v1/documents/${id}/preview`)).status).toBe(404);
    expect((await call(cell, other.admin, 'GET', `/v1/documents/${id}/preview`)).status).toBe(404);
    // A text document has no preview.
    const text = await upload('no picture here', { filename: 'plain.txt' });
    await drain(cell, [tenantId]);
    const none = await call(cell, admin, 'GET', `/v1/documents/${text}/preview`);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('not_found');
  });

  it('follows the document through its life: edit, new version, rollback, trash, restore, permanent delete', async () => {
    const id = await upload('Original clause about indemnity.', {
      filename: 'msa.txt',
      title: 'Master agreement',
    });
    await drain(cell, [tenantId]);
    expect(hitIds(await search(cell, admin, { q: 'indemnity' }))).toEqual([id]);

    await call(cell, admin, 'PATCH', `/v1/documents/${id}`, { title: 'Services contract', tags: ['legal'] });
    await drain(cell, [tenantId]);
    expect(hitIds(await search(cell, admin, { q: 'services', tags: ['legal'] }))).toEqual([id]);
    expect(hitIds(await search(cell, admin, { q: 'master' }))).toEqual([]);

    const v1 = (await call(cell, admin, 'GET', `/v1/documents/${id}`)).body.currentVersionId;
    const res = await cell.app.request(`/v1/documents/${id}/versions`, {
      method: 'POST',
      headers: {
        ...admin.headers,
        'content-type': 'text/plain',
        'upload-metadata': uploadMetadata({ filename: 'msa-v2.txt' }),
      },
      body: 'Revised clause about liability caps.',
    });
    expect(res.status).toBe(201);
    await drain(cell, [tenantId]);
    expect(hitIds(await search(cell, admin, { q: 'liability' }))).toEqual([id]);
    expect(hitIds(await search(cell, admin, { q: 'indemnity' }))).toEqual([]);

    const restored = await call(cell, admin, 'POST', `/v1/documents/${id}/versions/${v1}/restore`);
    expect(restored.status).toBe(201);
    expect(restored.body.version.extraction.status).toBe('done'); // shares the restored version's text
    await drain(cell, [tenantId]);
    expect(hitIds(await search(cell, admin, { q: 'indemnity' }))).toEqual([id]);

    await call(cell, admin, 'DELETE', `/v1/documents/${id}`);
    await drain(cell, [tenantId]);
    expect(hitIds(await search(cell, admin, { q: 'indemnity' }))).toEqual([]);
    await call(cell, admin, 'POST', `/v1/documents/${id}/restore`);
    await drain(cell, [tenantId]);
    expect(hitIds(await search(cell, admin, { q: 'indemnity' }))).toEqual([id]);

    await call(cell, admin, 'DELETE', `/v1/documents/${id}`);
    expect((await call(cell, admin, 'DELETE', `/v1/documents/${id}/permanent`)).status).toBe(204);
    await drain(cell, [tenantId]);
    expect(hitIds(await search(cell, admin, { q: 'indemnity' }))).toEqual([]);
    const derived = await cell.deps.blobs.exists(`tenants/${tenantId}/derived/${id}/${v1}.text`);
    expect(derived).toBe(false);
  });

  it('pages with nextCursor and filters by folder, with and without subfolders', async () => {
    const top = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Paging' })).body.id;
    const sub = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Sub', parentId: top })).body.id;
    const inTop = await Promise.all(
      [1, 2, 3].map((i) => upload(`pagination sample ${i}`, { filename: `p${i}.txt`, folderId: top })),
    );
    const inSub = await Promise.all(
      [4, 5].map((i) => upload(`pagination sample ${i}`, { filename: `p${i}.txt`, folderId: sub })),
    );
    await drain(cell, [tenantId]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await search(cell, admin, { q: 'pagination', limit: 2, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(5);
      seen.push(...hitIds(res));
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual([...inTop, ...inSub].sort());
    expect(new Set(hitIds(await search(cell, admin, { q: 'pagination', folderId: top })))).toEqual(
      new Set([...inTop, ...inSub]),
    );
    expect(
      new Set(
        hitIds(await search(cell, admin, { q: 'pagination', folderId: top, includeSubfolders: false })),
      ),
    ).toEqual(new Set(inTop));
    const facets = await search(cell, admin, { q: 'pagination', facets: ['type', 'year'] });
    expect(facets.body.facets.type).toEqual([{ value: 'text', count: 5 }]);
  });

  it('moving a folder re-indexes the ancestry of everything below it', async () => {
    const a = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Move source' })).body.id;
    const b = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Move target' })).body.id;
    const id = await upload('relocated budget spreadsheet notes', { filename: 'r.txt', folderId: a });
    await drain(cell, [tenantId]);
    const viewer = await buildUser(cell, admin, 'viewer');
    await grant(b, viewer.userId);
    expect(hitIds(await search(cell, viewer, { q: 'relocated' }))).toEqual([]);
    expect((await call(cell, admin, 'PATCH', `/v1/folders/${a}`, { parentId: b })).status).toBe(200);
    await drain(cell, [tenantId]);
    expect(hitIds(await search(cell, viewer, { q: 'relocated' }))).toEqual([id]);
    expect(hitIds(await search(cell, admin, { q: 'relocated', folderId: b }))).toEqual([id]);
  });
});

describe('permissions', () => {
  let legal: string;
  let finance: string;
  let inLegal: string;
  let inFinance: string;
  let loose: string;
  beforeAll(async () => {
    legal = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Legal perms' })).body.id;
    finance = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Finance perms' })).body.id;
    inLegal = await upload('confidential settlement terms', { filename: 'l.txt', folderId: legal });
    inFinance = await upload('confidential settlement payout', { filename: 'f.txt', folderId: finance });
    loose = await upload('confidential settlement draft', { filename: 'x.txt' });
    await drain(cell, [tenantId]);
  });

  it('a viewer of one folder finds only what is in it; totals and facets count only that', async () => {
    const viewer = await buildUser(cell, admin, 'viewer');
    expect((await search(cell, viewer, { q: 'settlement' })).body.total).toBe(0);
    await grant(legal, viewer.userId);
    const res = await search(cell, viewer, { q: 'settlement', facets: ['author', 'type'] });
    expect(hitIds(res)).toEqual([inLegal]);
    expect(res.body.total).toBe(1);
    expect(res.body.facets.type).toEqual([{ value: 'text', count: 1 }]);
    expect((await search(cell, viewer, { q: 'settlement', folderId: finance })).body.total).toBe(0);
  });

  it('a document grant, a group grant, and a revoke that takes effect on the next query', async () => {
    const editor = await buildUser(cell, admin, 'editor');
    const doc = await grant(loose, editor.userId);
    expect(hitIds(await search(cell, editor, { q: 'settlement' }))).toEqual([loose]);
    const group = (await call(cell, admin, 'POST', '/v1/groups', { name: 'Finance team' })).body.id;
    await call(cell, admin, 'PUT', `/v1/groups/${group}/members/${editor.userId}`);
    const viaGroup = await grant(finance, group, 'viewer', 'group');
    expect(new Set(hitIds(await search(cell, editor, { q: 'settlement' })))).toEqual(
      new Set([loose, inFinance]),
    );
    // No drain in between: the access filter is read from the grants at query time.
    await call(cell, admin, 'DELETE', `/v1/grants/${viaGroup.body.id}`);
    expect(hitIds(await search(cell, editor, { q: 'settlement' }))).toEqual([loose]);
    await call(cell, admin, 'DELETE', `/v1/grants/${doc.body.id}`);
    expect((await search(cell, editor, { q: 'settlement' })).body.total).toBe(0);
  });

  it('an uploader finds their own upload; an admin finds everything', async () => {
    const editor = await buildUser(cell, admin, 'editor');
    const own = (await uploadDoc(cell, editor, 'confidential settlement memo', { filename: 'mine.txt' })).body
      .document.id;
    await drain(cell, [tenantId]);
    expect(hitIds(await search(cell, editor, { q: 'settlement' }))).toEqual([own]);
    expect((await search(cell, admin, { q: 'settlement' })).body.total).toBe(4);
  });
});

describe('tenant isolation', () => {
  it('another tenant searching the same words finds only its own documents; counts and facets do not leak', async () => {
    const mine = await upload('orchid merger memorandum', { filename: 'orchid.txt' });
    const theirs = (
      await uploadDoc(cell, other.admin, 'orchid merger memorandum', { filename: 'orchid.txt' })
    ).body.document.id;
    await drain(cell, [tenantId, other.tenantId]);
    const a = await search(cell, admin, { q: 'orchid', facets: ['tags', 'author', 'type', 'year'] });
    const b = await search(cell, other.admin, { q: 'orchid', facets: ['tags', 'author', 'type', 'year'] });
    expect(hitIds(a)).toEqual([mine]);
    expect(hitIds(b)).toEqual([theirs]);
    expect(a.body.total).toBe(1);
    expect(b.body.facets.author).toEqual([{ value: other.admin.userId, count: 1 }]);
    // Scoping to the other tenant's folder or naming its user finds nothing.
    const folder = (await call(cell, other.admin, 'POST', '/v1/folders', { name: 'Theirs' })).body.id;
    expect((await search(cell, admin, { q: 'orchid', folderId: folder })).body.total).toBe(0);
    expect((await search(cell, admin, { q: 'orchid', author: other.admin.userId })).body.total).toBe(0);
  });

  it('a token of tenant B cannot search tenant A: the search runs in the token’s tenant only', async () => {
    const res = await search(cell, other.admin, { q: 'reconciliation' });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(0);
    expect((await search(cell, null as unknown as TestUser, { q: 'x' })).status).toBe(401);
  });
});

describe('bad queries are 4xx with the error shape, never 5xx', () => {
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['page too large', { q: 'x', limit: 1000 }, 400, 'validation_failed'],
    ['a limit as a string', { q: 'x', limit: '10' }, 400, 'validation_failed'],
    ['short prefix', { q: 'co*' }, 422, 'query_too_costly'],
    ['wildcard inside a word', { q: 're*port' }, 422, 'query_too_costly'],
    ['leading wildcard', { q: '*port' }, 422, 'query_too_costly'],
    [
      'too many terms',
      { q: Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ') },
      422,
      'query_too_costly',
    ],
    ['too many prefixes', { q: 'aaa* bbb* ccc* ddd* eee*' }, 422, 'query_too_costly'],
    ['garbage cursor', { q: 'x', cursor: 'not-a-cursor' }, 400, 'validation_failed'],
    ['unknown parameter', { q: 'x', color: 'red' }, 400, 'validation_failed'],
    ['bad custom field name', { q: 'x', customFields: { 'bad-name': '1' } }, 400, 'validation_failed'],
    [
      'a NUL in a custom field value',
      { q: 'x', customFields: { client: 'a\u0000b' } },
      400,
      'validation_failed',
    ],
    ['unknown type', { q: 'x', types: ['spreadsheet'] }, 400, 'validation_failed'],
    ['bad date', { q: 'x', updatedFrom: 'yesterday' }, 400, 'validation_failed'],
    [
      'a year Postgres cannot store',
      { q: 'x', updatedFrom: '0000-01-01T00:00:00Z' },
      400,
      'validation_failed',
    ],
    [
      'empty date range',
      { updatedFrom: '2026-01-02T00:00:00Z', updatedTo: '2026-01-01T00:00:00Z' },
      400,
      'validation_failed',
    ],
    ['unknown facet', { q: 'x', facets: ['tags', 'color'] }, 400, 'validation_failed'],
    ['unknown sort', { q: 'x', sort: 'size' }, 400, 'validation_failed'],
    ['query too long', { q: 'x'.repeat(600) }, 400, 'validation_failed'],
    ['control characters', { q: 'a\u0001b' }, 400, 'validation_failed'],
    ['subfolder switch without a folder', { q: 'x', includeSubfolders: false }, 400, 'validation_failed'],
  ];
  for (const [name, params, status, code] of cases) {
    it(name, async () => {
      const res = await search(cell, admin, params);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toEqual(expect.any(String));
      expect(res.body.error.requestId).toEqual(expect.any(String));
    });
  }

  it('a cursor from another sort, or paged too deep, is refused', async () => {
    await upload('cursor probe one', { filename: 'c1.txt' });
    await upload('cursor probe two', { filename: 'c2.txt' });
    await drain(cell, [tenantId]);
    const first = await search(cell, admin, { q: 'probe', limit: 1 });
    const cursor = first.body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const wrongSort = await search(cell, admin, { q: 'probe', limit: 1, sort: 'title', cursor });
    expect(wrongSort.status).toBe(400);
    const deep = Buffer.from(JSON.stringify({ s: 'relevance', a: [0.1, 'doc_x'], d: 10_000 })).toString(
      'base64url',
    );
    const tooDeep = await search(cell, admin, { q: 'probe', cursor: deep });
    expect(tooDeep.status).toBe(422);
    expect(tooDeep.body.error.details.reason).toBe('cursor_too_deep');
    const forged = Buffer.from(JSON.stringify({ s: 'relevance', a: ['x', 5], d: 1 })).toString('base64url');
    expect((await search(cell, admin, { q: 'probe', cursor: forged })).status).toBe(400);
  });
});

describe('the contract', () => {
  it('search is a POST with a JSON body: no search term ever needs a URL', async () => {
    const res = await cell.app.request('/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, { parameters?: unknown[]; requestBody?: unknown }>>;
    };
    const op = doc.paths['/v1/search']!;
    expect(op.get).toBeUndefined();
    expect(op.post!.parameters ?? []).toEqual([]);
    expect(JSON.stringify(op.post!.requestBody)).toContain('SearchRequest');
    expect(doc.paths['/v1/documents/{id}/preview']?.get).toBeDefined();
    // Terms put in the URL by mistake are refused, not searched for (and not used).
    const inUrl = await call(cell, admin, 'POST', '/v1/search?q=secret', { q: 'x' });
    expect(inUrl.status).toBe(400);
    expect((await call(cell, admin, 'GET', '/v1/search?q=secret')).status).toBe(405);
  });
});

describe('quota and audit', () => {
  it('search calls per minute come from the plan; over it is 429 with Retry-After', async () => {
    const { admin: a } = await buildTenant(cell);
    // GCRA (rate-limit/gcra.ts): the plan's 100 at once, then one more every 0.6 s. The
    // first 100 pass; a refusal follows before the calls made meanwhile could have freed many.
    for (let i = 0; i < 100; i++) expect((await search(cell, a, { q: 'x' })).status).toBe(200);
    let extra = 0;
    let res = await search(cell, a, { q: 'x' });
    while (res.status === 200 && extra < 50) {
      extra++;
      res = await search(cell, a, { q: 'x' });
    }
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limited');
    expect(res.body.error.details).toMatchObject({ resource: 'searchCallsPerMinute', limit: 100 });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  }, 60_000);

  it('every search is audited as search.query with the query and the count', async () => {
    await search(cell, admin, { q: 'auditable words' });
    const log = await call(cell, admin, 'GET', '/v1/audit?action=search.query&limit=5');
    expect(log.status).toBe(200);
    const entry = log.body.items.find((e: { details: { q: string } }) => e.details.q === 'auditable words');
    expect(entry).toBeDefined();
    expect(entry.details.total).toBe(0);
    expect(entry.actor.id).toBe(admin.userId);
  });
});
