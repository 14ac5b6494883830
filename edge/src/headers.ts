import { INTERNAL_PREFIX } from '@quire/shared/edge-headers';
import { EdgeError } from './errors.ts';

/** RFC 9110 §7.6.1 connection-specific fields, plus the legacy proxy ones. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Client-settable headers that claim to say where the request came from: only the edge may say that. */
const FORWARDING = new Set([
  'forwarded',
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'x-original-url',
  'x-rewrite-url',
  'host',
]);

function connectionListed(headers: Headers): Set<string> {
  const listed = new Set<string>();
  for (const token of (headers.get('connection') ?? '').split(',')) {
    const name = token.trim().toLowerCase();
    if (name) listed.add(name);
  }
  return listed;
}

export function isWebSocketUpgrade(headers: Headers): boolean {
  return (headers.get('upgrade') ?? '').trim().toLowerCase() === 'websocket';
}

/**
 * The upstream URL: the cell's registered origin (and base path) followed by the request's
 * path and query, joined as strings — never `new URL(path, base)`, which lets `//host/x` or an
 * absolute path replace the origin. The result is checked to still be on the cell's origin.
 */
export function upstreamUrl(cellBaseUrl: string, request: URL): URL {
  const base = new URL(cellBaseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  if (!request.pathname.startsWith('/')) throw new EdgeError('bad_request', 'malformed request path');
  const target = new URL(`${base.origin}${basePath}${request.pathname}${request.search}`);
  if (target.origin !== base.origin || !target.pathname.startsWith(`${basePath}/`) || target.username) {
    throw new EdgeError('bad_request', 'malformed request path');
  }
  return target;
}

/** Request headers for the cell: hop-by-hop and every client-set internal or forwarding header removed. */
export function upstreamHeaders(incoming: Headers): Headers {
  const drop = connectionListed(incoming);
  const websocket = isWebSocketUpgrade(incoming);
  const out = new Headers();
  for (const [name, value] of incoming) {
    const n = name.toLowerCase();
    if (n === 'upgrade' && websocket) {
      out.set('upgrade', 'websocket');
      continue;
    }
    if (HOP_BY_HOP.has(n) || drop.has(n) || FORWARDING.has(n)) continue;
    if (n.startsWith(INTERNAL_PREFIX) || n.startsWith('x-forwarded-') || n.startsWith('cf-')) continue;
    out.append(name, value);
  }
  return out;
}

/** Response headers for the client: hop-by-hop removed, the rest (x-quire-cell included) as the cell sent them. */
export function downstreamHeaders(upstream: Headers): Headers {
  const drop = connectionListed(upstream);
  const out = new Headers(upstream);
  for (const name of [...out.keys()]) {
    if (HOP_BY_HOP.has(name) || drop.has(name)) out.delete(name);
  }
  return out;
}
