import { upgradeWebSocket } from '@hono/node-server';
import { createRoute } from '@hono/zod-openapi';
import { QuireError } from '@quire/shared/errors';
import { bearer, commonErrors, errorResponse, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { type LiveConn, liveHub } from './hub.ts';
import { liveUser } from './verbs.ts';

export const presenceRoutes = router();

presenceRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/live',
    tags: ['live'],
    security: bearer,
    middleware: requireUser({ websocketProtocol: true }),
    summary: 'The live channel (WebSocket): presence, new comments, notifications',
    description:
      'Authenticates with `Authorization: Bearer`, or from a browser by offering the subprotocols `quire.v1` and `quire.bearer.<access token>` (never a token in the URL). Messages: see cell/src/modules/presence/protocol.ts.',
    responses: {
      101: { description: 'Switching to the WebSocket protocol (`quire.v1`)' },
      426: errorResponse('Not a WebSocket upgrade (upgrade_required; `Upgrade: websocket`)'),
      ...commonErrors,
    },
  }),
  async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      c.header('Upgrade', 'websocket');
      throw new QuireError('upgrade_required', 'this route speaks WebSocket: send an Upgrade request');
    }
    const ctx = c.get('ctx');
    const user = await liveUser(ctx);
    const hub = liveHub(ctx.deps);
    let conn: LiveConn | undefined;
    return upgradeWebSocket(c, {
      onOpen(_evt, ws) {
        const raw = ws.raw as import('ws').WebSocket;
        conn = hub.open(ctx, user, {
          send: (data) => raw.send(data),
          close: (code, reason) => raw.close(code, reason),
          ping: () => raw.ping(),
          terminate: () => raw.terminate(),
          on: (event, listener) => raw.on(event, listener),
        });
      },
      onMessage(evt) {
        if (conn && typeof evt.data === 'string') void hub.message(conn, evt.data);
      },
      onClose() {
        if (conn) void hub.closed(conn);
      },
      onError() {
        if (conn) void hub.closed(conn);
      },
    }) as unknown as Response;
  },
);
