import { createMiddleware } from 'hono/factory';
import type { EdgeEnv } from './context.ts';
import type { AssetsFetcher } from './env.ts';
import { residencyRedirect } from './middleware/tenant.ts';
import type { HostMatch } from './routing/hosts.ts';

/**
 * The web app (a single-page app built by web/, bound as Workers static assets) on the same
 * hostnames as the API. The API is `/v1/*`, `/.well-known/*` and SCIM's `/scim/v2/*` (an identity
 * provider's provisioning client GETs users there); every other GET or HEAD is the app: a file
 * of the build, or index.html for the app's own routes (`/documents/doc_…`).
 *
 * - A strict-residency tenant's hostname on another region's (or the global) hostname gets the
 *   same 308 to its region's hostname as the API, so the app and its API calls stay there.
 * - The app is the same for everybody and holds no tenant content, so it needs no token and
 *   spends nothing from the rate limiter; index.html learns which hostname it was served on
 *   through a meta tag (served hostname, its region, the tenant slug of the hostname).
 * - Strict security headers: a CSP allowing only this origin (no inline script or style
 *   elements, images also from blob: for previews), no referrer (the app's URLs are opaque
 *   ids, but a referrer is never needed), no framing.
 */
export function isApiPath(pathname: string): boolean {
  const p = pathname.toLowerCase();
  return (
    p === '/v1' ||
    p.startsWith('/v1/') ||
    p.startsWith('/.well-known/') ||
    p === '/scim' ||
    p.startsWith('/scim/') ||
    p === '/internal' ||
    p.startsWith('/internal/')
  );
}

export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite's content-hashed build output: cacheable for ever. */
const HASHED = /^\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

function withHeaders(res: Response, pathname: string): Response {
  const out = new Response(res.body, res);
  out.headers.set('content-security-policy', WEB_APP_CSP);
  out.headers.set('x-content-type-options', 'nosniff');
  out.headers.set('referrer-policy', 'no-referrer');
  out.headers.set('x-frame-options', 'DENY');
  out.headers.set('cross-origin-opener-policy', 'same-origin');
  out.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=()');
  out.headers.set(
    'cache-control',
    res.status === 200 && HASHED.test(pathname) ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
  return out;
}

/** Tells the app where it runs: `<meta name="quire-host" content="served region slug">` in <head>. */
function annotate(res: Response, host: HostMatch): Response {
  if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) return res;
  // Served hostnames are validated lowercase hostnames, regions and slugs are [a-z0-9-]: no escaping needed.
  const content = [host.served, host.region, host.slug ?? ''].join(' ');
  return new HTMLRewriter()
    .on('head', {
      element(head) {
        head.append(`<meta name="quire-host" content="${content}">`, { html: true });
      },
    })
    .transform(res);
}

export const webApp = () =>
  createMiddleware<EdgeEnv>(async (c, next) => {
    const assets: AssetsFetcher | undefined = c.env.ASSETS;
    const method = c.req.method;
    const url = new URL(c.req.url);
    if (!assets || (method !== 'GET' && method !== 'HEAD') || isApiPath(url.pathname)) return next();
    const { host } = c.var;
    const { table, config } = c.var.state;
    if (host.slug) {
      const tenant = await table.tenant('slug', host.slug, (p) => c.executionCtx.waitUntil(p));
      if (tenant) {
        c.set('tenantId', tenant.id);
        const regional = residencyRedirect(tenant, host, config.regionHosts, url);
        if (regional) return regional;
      }
    }
    const res = await assets.fetch(new Request(url.href, { method, headers: c.req.raw.headers }));
    return withHeaders(annotate(res, host), url.pathname);
  });
