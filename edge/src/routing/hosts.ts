import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import { SLUG_PATTERN } from '@quire/shared/routing';

/** How a request's hostname maps onto the served hostnames (HOSTS). */
export interface HostMatch {
  /** The served hostname the request came in on (`quire.test`, `eu.quire.test`). */
  served: string;
  /** The region of that hostname, or `global`. */
  region: string;
  /** The tenant slug named by a `<slug>.<served>` hostname; null on the bare or `app.` hostname. */
  slug: string | null;
}

/** Labels under a served hostname that never name a tenant. */
const RESERVED_LABELS = new Set(['app']);

/**
 * An exact served hostname wins over a slug of a shorter one, so with both `quire.test`
 * and `eu.quire.test` served, `eu.quire.test` is the EU hostname, not tenant `eu`.
 */
export function matchHost(hostname: string, hosts: Map<string, string>): HostMatch | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const exact = hosts.get(host);
  if (exact !== undefined) return { served: host, region: exact, slug: null };
  const dot = host.indexOf('.');
  if (dot <= 0) return null;
  const label = host.slice(0, dot);
  const parent = host.slice(dot + 1);
  const region = hosts.get(parent);
  if (region === undefined) return null;
  if (RESERVED_LABELS.has(label)) return { served: parent, region, slug: null };
  if (!SLUG_PATTERN.test(label)) return null;
  return { served: parent, region, slug: label };
}

const SHARE_PATH = /^\/v1\/share\/([^/?#]+)/;
/**
 * The routing hint inside a share-link token (`/v1/share/<tenantId>.<rest>`): only the
 * tenant id prefix, which says where to send the request. The cell validates the rest.
 */
export function shareHint(pathname: string): string | null {
  const token = SHARE_PATH.exec(pathname)?.[1];
  if (!token) return null;
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const id = token.slice(0, dot);
  return TENANT_ID_PATTERN.test(id) ? id : null;
}
