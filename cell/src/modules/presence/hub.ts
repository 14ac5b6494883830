import { randomUUID } from 'node:crypto';
import { QuireError } from '@quire/shared/errors';
import type { Redis } from 'ioredis';
import type { CellDeps, RequestCtx } from '../../context.ts';
import { documentChannel, publishLive, userChannel } from '../../live/bus.ts';
import {
  CLOSE,
  type ClientMessage,
  clientMessage,
  MAX_DOCUMENTS_PER_CONNECTION,
  MAX_MESSAGES_PER_10S,
} from './protocol.ts';
import { member, type PresenceSnapshot, PresenceStore } from './store.ts';
import { authorizeWatch } from './verbs.ts';

/** What the hub needs of a socket (the `ws` WebSocket underneath Hono's WSContext). */
export interface LiveSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  ping?(): void;
  terminate?(): void;
  on?(event: 'pong', listener: () => void): void;
}

export interface LiveConn {
  id: string;
  ctx: RequestCtx;
  userId: string;
  name: string;
  socket: LiveSocket;
  /** Documents watched: id → presence entry. */
  docs: Map<string, string>;
  lastMessage: number;
  alive: boolean;
  window: { start: number; count: number };
  since: number;
  closed: boolean;
}

/**
 * One per API process: the sockets it holds, the Redis channels they listen on, and the
 * timers that keep presence true. Every API process of the cell runs one; they share presence
 * through Redis (state with TTLs, pub/sub for changes), so a viewer on one process sees a
 * viewer on another.
 */
export class LiveHub {
  private readonly deps: CellDeps;
  private readonly store: PresenceStore;
  private readonly subscriber: Redis;
  private readonly conns = new Set<LiveConn>();
  private readonly listeners = new Map<string, Set<LiveConn>>();
  private readonly subscribed = new Map<string, Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly ttlMs: number;
  /** Counters for benchmarks and tests. */
  readonly stats = { opened: 0, closed: 0, joins: 0, published: 0, delivered: 0 };

  constructor(deps: CellDeps) {
    this.deps = deps;
    this.ttlMs = deps.collab.presenceTtlSeconds * 1000;
    this.store = new PresenceStore(deps.redis, deps.collab.presenceTtlSeconds);
    this.subscriber = deps.redis.duplicate();
    this.subscriber.on('error', (err) => deps.log.warn('live subscriber error', { err: String(err) }));
    this.subscriber.on('message', (channel: string, message: string) => this.fanOut(channel, message));
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => {
        fn().catch((err: unknown) => deps.log.warn('live timer failed', { err: String(err) }));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(Math.max(500, this.ttlMs / 3), () => this.heartbeat());
    every(Math.max(250, this.ttlMs / 6), () => this.sweep());
    every(deps.collab.presenceRecheckSeconds * 1000, () => this.recheck());
  }

  get connections(): number {
    return this.conns.size;
  }

  open(ctx: RequestCtx, user: { userId: string; name: string }, socket: LiveSocket): LiveConn {
    const conn: LiveConn = {
      id: randomUUID(),
      ctx,
      userId: user.userId,
      name: user.name,
      socket,
      docs: new Map(),
      lastMessage: Date.now(),
      alive: true,
      window: { start: Date.now(), count: 0 },
      since: Date.now(),
      closed: false,
    };
    this.conns.add(conn);
    this.stats.opened += 1;
    socket.on?.('pong', () => {
      conn.alive = true;
    });
    void this.listen(userChannel(ctx.tenant.id, user.userId), conn);
    this.send(conn, {
      type: 'ready',
      connectionId: conn.id,
      userId: user.userId,
      heartbeatSeconds: this.ttlMs / 3000,
    });
    return conn;
  }

  async message(conn: LiveConn, raw: string): Promise<void> {
    if (conn.closed) return;
    const now = Date.now();
    conn.lastMessage = now;
    conn.alive = true;
    if (now - conn.window.start > 10_000) conn.window = { start: now, count: 0 };
    if (++conn.window.count > MAX_MESSAGES_PER_10S)
      return this.close(conn, CLOSE.policy, 'too many messages');
    let msg: ClientMessage;
    try {
      const parsed = clientMessage.safeParse(JSON.parse(raw));
      if (!parsed.success) return this.error(conn, 'validation_failed', 'unknown or malformed message');
      msg = parsed.data;
    } catch {
      return this.error(conn, 'validation_failed', 'messages are JSON');
    }
    if (msg.type === 'ping') return this.send(conn, { type: 'pong' });
    if (msg.type === 'auth') return this.reauthenticate(conn, msg.token);
    if (msg.type === 'join') return this.join(conn, msg.documentId);
    return this.leave(conn, msg.documentId, 'left');
  }

  async join(conn: LiveConn, documentId: string): Promise<void> {
    if (conn.docs.has(documentId)) return this.send(conn, { type: 'joined', documentId });
    if (conn.docs.size >= MAX_DOCUMENTS_PER_CONNECTION)
      return this.error(
        conn,
        'limit_exceeded',
        `at most ${MAX_DOCUMENTS_PER_CONNECTION} documents per connection`,
        documentId,
      );
    try {
      await authorizeWatch(conn.ctx, documentId, true);
    } catch (err) {
      // Not found (not visible) and every other refusal look the same as over HTTP.
      const code = err instanceof QuireError ? err.code : 'internal';
      return this.error(conn, code, err instanceof QuireError ? err.message : 'internal error', documentId);
    }
    if (conn.closed) return;
    const entry = member(conn.id, conn.userId, conn.name, Date.now());
    conn.docs.set(documentId, entry);
    await this.listen(documentChannel(conn.ctx.tenant.id, documentId), conn);
    const snapshot = await this.store.join(conn.ctx.tenant.id, documentId, entry);
    this.stats.joins += 1;
    // The joiner gets the snapshot directly (and every later change through the subscription).
    this.send(conn, { type: 'joined', documentId });
    this.send(conn, { type: 'presence', ...snapshot });
    this.publishPresence(conn.ctx.tenant.id, snapshot);
  }

  async leave(conn: LiveConn, documentId: string, reason: string): Promise<void> {
    const entry = conn.docs.get(documentId);
    if (!entry) return;
    conn.docs.delete(documentId);
    this.unlisten(documentChannel(conn.ctx.tenant.id, documentId), conn);
    const snapshot = await this.store.leave(conn.ctx.tenant.id, documentId, entry);
    if (!conn.closed) this.send(conn, { type: 'left', documentId, reason });
    this.publishPresence(conn.ctx.tenant.id, snapshot);
  }

  /** The socket closed (or is being closed): its presence goes at once. */
  async closed(conn: LiveConn): Promise<void> {
    if (!this.conns.has(conn)) return;
    conn.closed = true;
    this.conns.delete(conn);
    this.stats.closed += 1;
    this.unlisten(userChannel(conn.ctx.tenant.id, conn.userId), conn);
    await Promise.all([...conn.docs.keys()].map((d) => this.leave(conn, d, 'closed').catch(() => {})));
  }

  close(conn: LiveConn, code: number, reason: string): void {
    try {
      conn.socket.close(code, reason);
    } catch {
      // already gone
    }
    void this.closed(conn);
  }

  async shutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await Promise.all(
      [...this.conns].map(async (c) => {
        await this.closed(c);
        try {
          c.socket.close(CLOSE.goingAway, 'server shutting down');
        } catch {
          // already gone
        }
      }),
    );
    this.subscriber.disconnect();
  }

  private async reauthenticate(conn: LiveConn, token: string): Promise<void> {
    try {
      const claims = await this.deps.tokens.verifyAccessToken(token);
      if (claims.sub !== conn.userId || claims.tid !== conn.ctx.tenant.id)
        return this.close(conn, CLOSE.unauthenticated, 'token of another user');
      conn.ctx = { ...conn.ctx, claims };
      this.send(conn, { type: 'authenticated', expiresAt: new Date(claims.exp * 1000).toISOString() });
    } catch {
      this.close(conn, CLOSE.unauthenticated, 'invalid token');
    }
  }

  private send(conn: LiveConn, message: Record<string, unknown>): void {
    if (conn.closed) return;
    try {
      conn.socket.send(JSON.stringify(message));
    } catch {
      void this.closed(conn);
    }
  }

  private error(conn: LiveConn, code: string, message: string, documentId?: string): void {
    this.send(conn, { type: 'error', code, message, ...(documentId ? { documentId } : {}) });
  }

  private publishPresence(tenantId: string, snapshot: PresenceSnapshot): void {
    this.stats.published += 1;
    publishLive(this.deps.redis, documentChannel(tenantId, snapshot.documentId), {
      type: 'presence',
      ...snapshot,
    });
  }

  /** Resolves once the channel's subscription is active, so nothing published after is missed. */
  private listen(channel: string, conn: LiveConn): Promise<void> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      this.subscribed.set(
        channel,
        this.subscriber.subscribe(channel).then(
          () => {},
          (err: unknown) => this.deps.log.warn('live subscribe failed', { err: String(err) }),
        ),
      );
    }
    set.add(conn);
    return this.subscribed.get(channel) ?? Promise.resolve();
  }

  private unlisten(channel: string, conn: LiveConn): void {
    const set = this.listeners.get(channel);
    if (!set) return;
    set.delete(conn);
    if (set.size === 0) {
      this.listeners.delete(channel);
      this.subscribed.delete(channel);
      this.subscriber.unsubscribe(channel).catch(() => {});
    }
  }

  /** One message from Redis to every local socket on its channel: serialised once, sent as is. */
  private fanOut(channel: string, message: string): void {
    const set = this.listeners.get(channel);
    if (!set) return;
    for (const conn of set) {
      if (conn.closed) continue;
      try {
        conn.socket.send(message);
        this.stats.delivered += 1;
      } catch {
        void this.closed(conn);
      }
    }
  }

  /**
   * Every third of the TTL: refresh the presence of live sockets, ping them, and drop those
   * that sent nothing for a whole TTL (a killed tab) or did not answer the last ping.
   */
  private async heartbeat(): Promise<void> {
    const now = Date.now();
    const live: { tenantId: string; documentId: string; entry: string }[] = [];
    for (const conn of [...this.conns]) {
      if (now - conn.lastMessage > this.ttlMs || !conn.alive) {
        this.close(conn, CLOSE.idle, 'no heartbeat');
        if (conn.socket.terminate) conn.socket.terminate();
        continue;
      }
      conn.alive = conn.socket.ping === undefined;
      try {
        conn.socket.ping?.();
      } catch {
        void this.closed(conn);
        continue;
      }
      for (const [documentId, entry] of conn.docs)
        live.push({ tenantId: conn.ctx.tenant.id, documentId, entry });
    }
    await this.store.refresh(live);
  }

  /** Connections of dead processes expire in Redis; publish the change for documents watched here. */
  private async sweep(): Promise<void> {
    const docs = new Map<string, { tenantId: string; documentId: string }>();
    for (const conn of this.conns)
      for (const documentId of conn.docs.keys())
        docs.set(`${conn.ctx.tenant.id}/${documentId}`, { tenantId: conn.ctx.tenant.id, documentId });
    for (const changed of await this.store.sweep([...docs.values()])) {
      const { tenantId, ...snapshot } = changed;
      this.publishPresence(tenantId, snapshot);
    }
  }

  /**
   * Access can end while a socket is open: the session (revoked, user disabled, tenant
   * suspended, token expired without `auth`) and each watched document are checked again.
   */
  private async recheck(): Promise<void> {
    for (const conn of [...this.conns]) {
      if (conn.closed) continue;
      const tenant = await this.deps.tenants.get(conn.ctx.tenant.id).catch(() => null);
      const expired = conn.ctx.claims.exp * 1000 < Date.now() - 30_000;
      if (tenant?.status !== 'active' || expired) {
        this.close(conn, CLOSE.unauthenticated, 'session ended');
        continue;
      }
      for (const documentId of [...conn.docs.keys()]) {
        try {
          await authorizeWatch(conn.ctx, documentId, false);
        } catch (err) {
          if (err instanceof QuireError && err.code === 'unauthenticated') {
            this.close(conn, CLOSE.unauthenticated, 'session ended');
            break;
          }
          if (err instanceof QuireError) await this.leave(conn, documentId, 'access_revoked');
        }
      }
    }
  }
}

const hubs = new WeakMap<CellDeps, LiveHub>();

/** The process's hub, created with the first socket. */
export function liveHub(deps: CellDeps): LiveHub {
  let hub = hubs.get(deps);
  if (!hub) {
    hub = new LiveHub(deps);
    hubs.set(deps, hub);
    const made = hub;
    deps.cleanup.push(() => made.shutdown());
  }
  return hub;
}
