import type { RouteCell, RouteTenant } from '@quire/shared/routing';
import { createMiddleware } from 'hono/factory';
import type { EdgeEnv } from '../context.ts';
import { EdgeError } from '../errors.ts';
import { type HostMatch, shareHint } from '../routing/hosts.ts';

/** A cell answering 503 is asked again after this long. */
export const CELL_DOWN_RETRY_AFTER_SECONDS = 30;

/**
 * A strict-residency tenant outside its region's hostname: a 308 to the same path and query on
 * `<slug>.<region host>` (`<region host>` without a slug), before any body is read. Null when the
 * tenant may be served here. Used for the API and for the web app alike.
 */
export function residencyRedirect(
  tenant: RouteTenant,
  host: HostMatch,
  regionHosts: Map<string, string>,
  url: URL,
): Response | null {
  if (!tenant.strictResidency || host.region === tenant.region) return null;
  const regionHost = regionHosts.get(tenant.region);
  if (!regionHost) {
    throw new EdgeError('misdirected_request', "this organisation is served only on its region's hostname");
  }
  const target = new URL(url.href);
  target.hostname = host.slug ? `${host.slug}.${regionHost}` : regionHost;
  return new Response(null, { status: 308, headers: { location: target.href, 'cache-control': 'no-store' } });
}

export type RouteVariables = { route: { tenant: RouteTenant; cell: RouteCell } };

const notFound = () => new EdgeError('tenant_not_found', 'no organisation by that name');
const mismatch = () =>
  new EdgeError('tenant_mismatch', "this token belongs to another organisation than this request's");

/**
 * Which tenant, which home cell: the token's `tid` when there is a token, else the
 * hostname's slug, else a share link's hint. A token of another tenant than the hostname
 * (or share link) names is refused. A strict-residency tenant outside its region's hostname
 * gets a 308 there, before any body is read.
 */
export const resolveTenant = () =>
  createMiddleware<EdgeEnv & { Variables: RouteVariables }>(async (c, next) => {
    const { table, config } = c.var.state;
    const { host, claims } = c.var;
    const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
    const url = new URL(c.req.url);
    const hint = shareHint(url.pathname);

    let tenant: RouteTenant | null;
    if (claims) {
      tenant = await table.tenant('id', claims.tid, waitUntil);
      if (!tenant) throw notFound();
      // Signed by a real key of the named cell, but that cell is not this tenant's home.
      if (tenant.cellId !== claims.cell)
        throw new EdgeError('unauthenticated', 'invalid or expired access token');
      if ((host.slug && host.slug !== tenant.slug) || (hint && hint !== tenant.id)) throw mismatch();
    } else if (host.slug) {
      tenant = await table.tenant('slug', host.slug, waitUntil);
      if (!tenant) throw notFound();
      if (hint && hint !== tenant.id) throw mismatch();
    } else if (hint) {
      tenant = await table.tenant('id', hint, waitUntil);
      if (!tenant) throw notFound();
    } else {
      throw new EdgeError('unauthenticated', "sign in, or use your organisation's hostname");
    }
    c.set('tenantId', tenant.id);
    // Offboarded: its data is gone; say so, never forward (its cell no longer knows it).
    if (tenant.status === 'deleted')
      throw new EdgeError('tenant_deleted', 'this organisation was closed and its data deleted');

    const regional = residencyRedirect(tenant, host, config.regionHosts, url);
    if (regional) return regional;
    if (tenant.status === 'suspended')
      throw new EdgeError('tenant_suspended', 'this organisation is suspended');

    const cell = table.cell(tenant.cellId);
    c.set('cellId', tenant.cellId);
    if (!cell || cell.status === 'down') {
      throw new EdgeError(
        'unavailable',
        "this organisation's region is unavailable",
        CELL_DOWN_RETRY_AFTER_SECONDS,
      );
    }
    c.set('route', { tenant, cell });
    await next();
  });
