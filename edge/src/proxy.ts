import { signEdgeAssertion } from '@quire/shared/edge-assertion';
import { EDGE_ASSERTION_HEADER, EDGE_TENANT_HEADER, REQUEST_ID_HEADER } from '@quire/shared/edge-headers';
import type { RouteCell } from '@quire/shared/routing';
import { getPath } from 'hono/utils/url';
import { EdgeError, errorResponse } from './errors.ts';
import { downstreamHeaders, upstreamHeaders, upstreamUrl } from './headers.ts';
import { CELL_DOWN_RETRY_AFTER_SECONDS } from './middleware/tenant.ts';

export interface ForwardOptions {
  cell: RouteCell;
  /** The tenant the request was routed for; null only for what no tenant owns (asking a cell which methods a path allows). */
  tenantId: string | null;
  requestId: string;
  clientIp: string | null;
  assertionSecret: string;
  timeoutMs: number;
}

/** Methods the Fetch standard forbids `fetch` to send (TRACE, TRACK, CONNECT): the edge cannot forward them. */
export function isUnforwardable(method: string): boolean {
  return method === 'TRACE' || method === 'TRACK' || method === 'CONNECT';
}

/**
 * A method the edge cannot forward gets 405 with the `Allow` a cell gives for the path (asked
 * with OPTIONS, which the cells answer with `Allow` for every path they serve), or the cell's 404
 * for a path it does not serve: the cells stay the one authority on their routes, the edge keeps
 * no copy of them. The question carries none of the client's headers (no token, no cookie):
 * the cell asked need not be the client's tenant's.
 */
export async function refuseUnforwardable(request: Request, o: ForwardOptions): Promise<Response> {
  const asked = await forward(new Request(request.url, { method: 'OPTIONS' }), o);
  if (asked.status === 404) return asked;
  await asked.body?.cancel();
  const allow = asked.headers.get('allow');
  const refused = errorResponse(
    new EdgeError(
      'method_not_allowed',
      `${request.method} is not served${allow ? `; allowed: ${allow}` : ''}`,
    ),
    o.requestId,
  );
  if (allow) refused.headers.set('allow', allow);
  return refused;
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
  if (o.tenantId) headers.set(EDGE_TENANT_HEADER, o.tenantId);
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
