import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { notFoundHandler } from '../src/error-handler.ts';
import { methodNotAllowed } from '../src/method-not-allowed.ts';

/** The 405 handler reads the app's own routes: path parameters, middleware not counted as routes. */
function app() {
  const a = new Hono();
  a.use('*', async (_c, next) => next());
  a.get('/v1/things/:id', (c) => c.text('a thing'));
  a.patch('/v1/things/:id', (c) => c.text('patched'));
  a.post('/v1/things', (c) => c.text('made'));
  a.get('/v1/things/:id/parts/:part', (c) => c.text('a part'));
  a.notFound(methodNotAllowed(a, notFoundHandler));
  return a;
}

describe('405 with Allow, built from the routes', () => {
  it('a known path with another method: 405 with exactly its methods; OPTIONS 204 with the same', async () => {
    const a = app();
    const del = await a.request('/v1/things/t1', { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD, OPTIONS, PATCH');
    expect(((await del.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    const options = await a.request('/v1/things', { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('OPTIONS, POST');
    expect((await a.request('/v1/things/t1/parts/p2', { method: 'PUT' })).headers.get('allow')).toBe(
      'GET, HEAD, OPTIONS',
    );
  });

  it('an unknown path, or one segment too many, is 404 without Allow', async () => {
    const a = app();
    for (const path of ['/v1/nothing', '/v1/things/t1/extra', '/v1/things/t1/']) {
      const res = await a.request(path, { method: 'DELETE' });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('allow')).toBeNull();
    }
  });
});
