import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';

/**
 * The sales-ops admin page (built by web/: `web/dist/ops`) on the control plane's origin under
 * /admin/. A static single-page app: it calls the admin API on the same origin with the ops token
 * the person types in (kept in memory, never stored, never in a URL), so it has exactly the
 * roles of that token, as the CLI does. Files come only from the build folder; unknown paths
 * under /admin/ answer index.html (the page's own routes).
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export const ADMIN_UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function adminUi(dir: string) {
  const root = normalize(dir);
  const app = new Hono<AppEnv>();
  const send = async (file: string, immutable: boolean) => {
    const body = await readFile(file);
    return new Response(body, {
      headers: {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': ADMIN_UI_CSP,
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      },
    });
  };
  app.get('/admin', (c) => c.redirect('/admin/', 308));
  app.get('/admin/*', async (c) => {
    const rel = decodeURIComponent(c.req.path.slice('/admin/'.length));
    const file = normalize(join(root, rel));
    if (rel && file.startsWith(root + sep)) {
      const found = await stat(file).catch(() => null);
      if (found?.isFile()) return send(file, rel.startsWith('assets/'));
    }
    if (rel.startsWith('assets/')) return c.notFound();
    return send(join(root, 'index.html'), false);
  });
  return app;
}
