import type { Redis } from 'ioredis';

/**
 * Presence in the cell's Redis, shared by every API process of the cell. Per document, a
 * sorted set of live connections scored by when they expire (refreshed by heartbeats), and a
 * version counter. A connection whose process died simply expires: readers drop expired
 * members. Keys name the tenant and the document id only; members carry the user's id and
 * name (this tenant's data, in this cell's Redis).
 */
const PREFIX = 'quire:presence';
const key = (tenantId: string, documentId: string) => `${PREFIX}:${tenantId}:${documentId}`;
const versionKey = (tenantId: string, documentId: string) => `${PREFIX}:${tenantId}:${documentId}:v`;

export interface Viewer {
  userId: string;
  name: string;
  /** When this user's earliest open connection on the document joined. */
  since: string;
  /** Open connections (tabs) of this user on the document. */
  connections: number;
}

export interface PresenceSnapshot {
  documentId: string;
  version: number;
  viewers: Viewer[];
}

interface Member {
  c: string;
  u: string;
  n: string;
  s: number;
}

export function member(connId: string, userId: string, name: string, since: number): string {
  return JSON.stringify({ c: connId, u: userId, n: name, s: since } satisfies Member);
}

function viewersOf(members: string[]): Viewer[] {
  const byUser = new Map<string, Viewer & { first: number }>();
  for (const raw of members) {
    let m: Member;
    try {
      m = JSON.parse(raw) as Member;
    } catch {
      continue;
    }
    const seen = byUser.get(m.u);
    if (seen) {
      seen.connections += 1;
      if (m.s < seen.first) {
        seen.first = m.s;
        seen.since = new Date(m.s).toISOString();
      }
    } else {
      byUser.set(m.u, {
        userId: m.u,
        name: m.n,
        since: new Date(m.s).toISOString(),
        connections: 1,
        first: m.s,
      });
    }
  }
  return [...byUser.values()]
    .sort((a, b) => a.first - b.first || a.userId.localeCompare(b.userId))
    .map(({ first: _, ...v }) => v);
}

export class PresenceStore {
  private readonly redis: Redis;
  private readonly ttlMs: number;
  constructor(redis: Redis, ttlSeconds: number) {
    this.redis = redis;
    this.ttlMs = ttlSeconds * 1000;
  }

  /** Adds (or refreshes) a connection and returns the document's presence after it, atomically. */
  async join(tenantId: string, documentId: string, entry: string): Promise<PresenceSnapshot> {
    const now = Date.now();
    const k = key(tenantId, documentId);
    const v = versionKey(tenantId, documentId);
    const res = await this.redis
      .multi()
      .zremrangebyscore(k, '-inf', now)
      .zadd(k, now + this.ttlMs, entry)
      .pexpire(k, this.ttlMs * 2)
      .incr(v)
      .pexpire(v, this.ttlMs * 4)
      .zrangebyscore(k, now, '+inf')
      .exec();
    return this.snapshot(documentId, res, 3);
  }

  async leave(tenantId: string, documentId: string, entry: string): Promise<PresenceSnapshot> {
    const now = Date.now();
    const k = key(tenantId, documentId);
    const v = versionKey(tenantId, documentId);
    const res = await this.redis
      .multi()
      .zremrangebyscore(k, '-inf', now)
      .zrem(k, entry)
      .incr(v)
      .pexpire(v, this.ttlMs * 4)
      .zrangebyscore(k, now, '+inf')
      .exec();
    return this.snapshot(documentId, res, 2);
  }

  /** Heartbeat: pushes the expiry of these live connections forward (one pipeline). */
  async refresh(entries: { tenantId: string; documentId: string; entry: string }[]): Promise<void> {
    if (entries.length === 0) return;
    const until = Date.now() + this.ttlMs;
    const pipe = this.redis.pipeline();
    for (const e of entries) {
      const k = key(e.tenantId, e.documentId);
      pipe.zadd(k, 'XX', until, e.entry).pexpire(k, this.ttlMs * 2);
    }
    await pipe.exec();
  }

  /**
   * Drops expired connections (a killed process, a vanished tab) from these documents; returns
   * the presence of each document that changed, for the caller to publish.
   */
  async sweep(
    docs: { tenantId: string; documentId: string }[],
  ): Promise<(PresenceSnapshot & { tenantId: string })[]> {
    if (docs.length === 0) return [];
    const now = Date.now();
    const pipe = this.redis.pipeline();
    for (const d of docs) pipe.zremrangebyscore(key(d.tenantId, d.documentId), '-inf', now);
    const removed = (await pipe.exec()) ?? [];
    const changed = docs.filter((_, i) => Number(removed[i]?.[1] ?? 0) > 0);
    const out = [];
    for (const d of changed) {
      const res = await this.redis
        .multi()
        .incr(versionKey(d.tenantId, d.documentId))
        .zrangebyscore(key(d.tenantId, d.documentId), now, '+inf')
        .exec();
      out.push({ tenantId: d.tenantId, ...this.snapshot(d.documentId, res, 0) });
    }
    return out;
  }

  async current(tenantId: string, documentId: string): Promise<PresenceSnapshot> {
    const now = Date.now();
    const res = await this.redis
      .multi()
      .get(versionKey(tenantId, documentId))
      .zrangebyscore(key(tenantId, documentId), now, '+inf')
      .exec();
    return {
      documentId,
      version: Number(res?.[0]?.[1] ?? 0),
      viewers: viewersOf((res?.[1]?.[1] as string[]) ?? []),
    };
  }

  /** `res`: a transaction's results, the version counter at `versionAt`, the members last. */
  private snapshot(
    documentId: string,
    res: [Error | null, unknown][] | null,
    versionAt: number,
  ): PresenceSnapshot {
    const results = res ?? [];
    return {
      documentId,
      version: Number(results[versionAt]?.[1] ?? 0),
      viewers: viewersOf((results[results.length - 1]?.[1] as string[]) ?? []),
    };
  }
}
