/** The subprotocol a browser offers its access token in on a WebSocket (it cannot set headers). */
export const WEBSOCKET_BEARER_PREFIX = 'quire.bearer.';

/**
 * A WebSocket upgrade from a browser carries its token as a subprotocol
 * (`Sec-WebSocket-Protocol: quire.v1, quire.bearer.<token>`), never in the URL: read it as if it
 * were the Authorization header. Header values are never logged.
 */
export function websocketBearer(headers: Headers): string | undefined {
  if ((headers.get('upgrade') ?? '').trim().toLowerCase() !== 'websocket') return undefined;
  for (const offered of (headers.get('sec-websocket-protocol') ?? '').split(',')) {
    const p = offered.trim();
    if (p.startsWith(WEBSOCKET_BEARER_PREFIX)) return `Bearer ${p.slice(WEBSOCKET_BEARER_PREFIX.length)}`;
  }
  return undefined;
}
