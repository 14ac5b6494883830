import WebSocket from 'ws';

/**
 * A live-channel client for tests and benchmarks: what a browser tab does (subprotocol
 * authentication, JSON messages, heartbeats), over the `ws` package.
 */
export interface LiveMessage {
  type: string;
  [key: string]: any;
}

export interface LiveClient {
  ws: WebSocket;
  messages: LiveMessage[];
  send(message: Record<string, unknown>): void;
  /** Resolves with the first message (already received or coming) matching `match`. */
  next(match: (m: LiveMessage) => boolean, timeoutMs?: number, what?: string): Promise<LiveMessage>;
  /** Starts sending `{ type: 'ping' }` every `ms` (a live tab does). */
  heartbeat(ms: number): void;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function connectLive(
  url: string,
  token: string | null,
  o: { how?: 'protocol' | 'header'; headers?: Record<string, string>; heartbeatMs?: number } = {},
): Promise<LiveClient> {
  const how = o.how ?? 'protocol';
  const protocols = how === 'protocol' && token ? ['quire.v1', `quire.bearer.${token}`] : ['quire.v1'];
  const headers = {
    ...(how === 'header' && token ? { authorization: `Bearer ${token}` } : {}),
    ...o.headers,
  };
  const ws = new WebSocket(url, protocols, { headers });
  const messages: LiveMessage[] = [];
  const waiters: { match: (m: LiveMessage) => boolean; done: (m: LiveMessage) => void }[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as LiveMessage;
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done(m);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  let timer: NodeJS.Timeout | null = null;
  const client: LiveClient = {
    ws,
    messages,
    send: (message) => ws.send(JSON.stringify(message)),
    next(match, timeoutMs = 5_000, what = 'a live message') {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          const i = waiters.findIndex((w) => w.done === done);
          if (i >= 0) waiters.splice(i, 1);
          reject(
            new Error(`no ${what} within ${timeoutMs} ms (got: ${messages.map((m) => m.type).join(', ')})`),
          );
        }, timeoutMs);
        const done = (m: LiveMessage) => {
          clearTimeout(t);
          resolve(m);
        };
        waiters.push({ match, done });
      });
    },
    heartbeat(ms) {
      if (timer) clearInterval(timer);
      timer = setInterval(() => {
        if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
      }, ms);
      timer.unref();
    },
    closed,
    close() {
      if (timer) clearInterval(timer);
      ws.close();
    },
  };
  void closed.then(() => timer && clearInterval(timer));
  if (o.heartbeatMs) client.heartbeat(o.heartbeatMs);
  return client;
}

/** Whether a handshake is refused, and with which HTTP status. */
export function handshakeStatus(
  url: string,
  protocols: string[],
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}
