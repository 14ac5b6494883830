import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowOfEveryPath, type OpenApiDocument, rawRequest } from '../../../test/support/allow.ts';
import {
  buildTenant,
  INTERNAL_TOKEN,
  startTestCell,
  type TestCell,
  type TestUser,
} from '../../../test/support/harness.ts';

/** A known path with a method it does not serve is 405 with Allow, before authentication; an unknown path 404. */
let cell: TestCell;
let admin: TestUser;
let doc: OpenApiDocument;
let server: ReturnType<typeof serve>;
let url: string;

beforeAll(async () => {
  cell = await startTestCell();
  ({ admin } = await buildTenant(cell));
  doc = (await (await cell.app.request('/v1/openapi.json')).json()) as OpenApiDocument;
  server = serve({ fetch: cell.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await cell.close();
});

describe('405 with Allow on the cell', () => {
  it('every documented path: OPTIONS is 204 and TRACE 405, both with exactly the documented methods', async () => {
    // The internal API authenticates every request under /internal first (as the control plane's admin API does).
    const internal = { authorization: `Bearer ${INTERNAL_TOKEN}` };
    const answers = await allowOfEveryPath(doc, (path, method) =>
      rawRequest(url, path, method, path.startsWith('/internal/') ? internal : {}),
    );
    expect(answers.length).toBeGreaterThan(25);
    for (const a of answers) expect(a.got, a.path).toBe(a.expected);
  });

  it('a wrong method is 405 with or without a token, in the envelope; HEAD is served where GET is', async () => {
    for (const headers of [{}, admin.headers]) {
      const res = await cell.app.request('/v1/me', { method: 'DELETE', headers });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      const body = (await res.json()) as { error: { code: string; requestId: string } };
      expect(body.error.code).toBe('method_not_allowed');
      expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
    }
    const post = await cell.app.request('/v1/documents/doc_0000000000000000000000000', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('DELETE, GET, HEAD, OPTIONS, PATCH');
    const head = await cell.app.request('/v1/me', { method: 'HEAD', headers: admin.headers });
    expect(head.status).toBe(200);
  });

  it('an unknown path is 404 whatever the method', async () => {
    for (const method of ['GET', 'TRACE', 'OPTIONS']) {
      const res = await rawRequest(url, '/v1/no-such-thing', method);
      expect(res.status, method).toBe(404);
      expect(res.allow).toBeNull();
    }
  });
});
