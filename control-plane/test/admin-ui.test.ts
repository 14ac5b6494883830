import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminUi } from '../src/http/admin-ui.ts';

/** The sales-ops page's static files: only from the build folder, the page's routes get index.html, strict headers. */
describe('the admin page under /admin/', () => {
  const root = mkdtempSync(join(tmpdir(), 'quire-admin-ui-'));
  const dir = join(root, 'ops');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>ops</title>');
  writeFileSync(join(dir, 'assets', 'index-AbCdEf12.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'not for the web');
  const app = adminUi(dir);

  it('serves index.html for the page and its routes, with a strict CSP and no caching', async () => {
    for (const path of ['/admin/', '/admin/tenants/acme', '/admin/cells']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
    expect((await app.request('/admin')).status).toBe(308);
  });

  it('serves built files with long caching, and 404s for missing ones', async () => {
    const js = await app.request('/admin/assets/index-AbCdEf12.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await app.request('/admin/assets/missing.js')).status).toBe(404);
  });

  it('never serves a file outside the build folder', async () => {
    for (const path of ['/admin/../secret.txt', '/admin/%2e%2e/secret.txt', '/admin/..%2fsecret.txt']) {
      const res = await app.request(path);
      expect(await res.text(), path).not.toContain('not for the web');
    }
  });
});
