import { signEdgeAssertion } from '@quire/shared/edge-assertion';
import {
  EDGE_ASSERTION_HEADER,
  EDGE_TENANT_HEADER,
  INTERNAL_PREFIX,
  REQUEST_ID_HEADER,
} from '@quire/shared/edge-headers';
import type { RouteCell } from '@quire/shared/routing';
import { getPath } from 'hono/utils/url';
import { EdgeError } from './errors.ts';
import { CELL_DOWN_RETRY_AFTER_SECONDS } from './middleware/tenant.ts';

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

export interface ForwardOptions {
  cell: RouteCell;
  tenantId: string;
  requestId: string;
  clientIp: string | null;
  assertionSecret: string;
  timeoutMs: number;
}

/**
 * Streams the request to the tenant's home cell and the cell's response back: bodies are
 * passed as streams (never read here), WebSocket upgrades return the cell's socket. A cell
 * that cannot be reached, or does not start answering in time, is a 503 with Retry-After.
 */
export async function forward(request: Request, o: ForwardOptions): Promise<Response> {
  const incoming = new URL(request.url);
  const target = upstreamUrl(o.cell.baseUrl, incoming);
  const headers = upstreamHeaders(request.headers);
  if (o.clientIp) headers.set('x-forwarded-for', o.clientIp);
  headers.set('x-forwarded-proto', incoming.protocol.replace(/:$/, ''));
  headers.set('x-forwarded-host', incoming.host);
  headers.set(REQUEST_ID_HEADER, o.requestId);
  headers.set(EDGE_TENANT_HEADER, o.tenantId);
  headers.set(
    EDGE_ASSERTION_HEADER,
    await signEdgeAssertion(o.assertionSecret, {
      requestId: o.requestId,
      tenantId: o.tenantId,
      method: request.method,
      // Exactly what the cell's Hono computes from the URL it receives.
      path: getPath({ url: target.href } as Request),
    }),
  );

  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null;
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new EdgeError('unavailable', "this organisation's region did not answer in time", 5));
    }, o.timeoutMs);
  });
  let res: Response;
  try {
    res = await Promise.race([
      fetch(target.href, {
        method: request.method,
        headers,
        body: hasBody ? request.body : null,
        redirect: 'manual',
        signal: abort.signal,
      }),
      timeout,
    ]);
  } catch (err) {
    if (err instanceof EdgeError) throw err;
    throw new EdgeError(
      'unavailable',
      "this organisation's region is unavailable",
      CELL_DOWN_RETRY_AFTER_SECONDS,
    );
  } finally {
    clearTimeout(timer);
  }

  if (res.webSocket) {
    return new Response(null, {
      status: 101,
      webSocket: res.webSocket,
      headers: downstreamHeaders(res.headers),
    });
  }
  return new Response(res.body, {
    status: res.status,
    statusText: res.statusText,
    headers: downstreamHeaders(res.headers),
  });
}
