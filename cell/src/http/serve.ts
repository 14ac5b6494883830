import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { WebSocketServer } from 'ws';

/** The subprotocol the live channel speaks (modules/presence/protocol.ts). */
const LIVE_PROTOCOL = 'quire.v1';

/**
 * The cell's HTTP server: Hono on Node, with WebSocket upgrades handed to the app's routes
 * (`GET /v1/live`), which authenticate before anything is upgraded. The server picks the
 * `quire.v1` subprotocol (never echoes the `quire.bearer.…` one a browser offers its token in).
 */
export function serveCell(
  app: { fetch: (req: Request, env?: unknown) => Response | Promise<Response> },
  o: { port: number; hostname: string },
  onListen?: (info: AddressInfo) => void,
) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 16 * 1024,
    handleProtocols: (offered) => (offered.has(LIVE_PROTOCOL) ? LIVE_PROTOCOL : false),
  });
  return serve(
    { fetch: app.fetch, hostname: o.hostname, port: o.port, websocket: { server: wss } },
    onListen,
  );
}
