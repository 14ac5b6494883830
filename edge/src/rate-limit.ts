/**
 * A per-isolate token bucket per client IP, for requests that carry no valid token (login,
 * share links, probes, forged tokens). Per isolate by design: it needs no storage on the hot
 * path; the cells keep their own per-tenant limits.
 */
export class TokenBuckets {
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #max: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(o: { burst: number; perSecond: number; maxClients?: number }) {
    this.#burst = o.burst;
    this.#perSecond = o.perSecond;
    this.#max = o.maxClients ?? 50_000;
  }

  /** Takes one token for `client`; when empty, how many seconds until one is back. */
  take(client: string, now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const bucket = this.#buckets.get(client);
    let tokens = this.#burst;
    if (bucket) tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond);
    if (tokens < 1) {
      this.#buckets.set(client, { tokens, at: now });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.#perSecond)) };
    }
    if (!bucket && this.#buckets.size >= this.#max) this.#evict();
    this.#buckets.delete(client); // re-insert: Map order doubles as least-recently-used order
    this.#buckets.set(client, { tokens: tokens - 1, at: now });
    return { ok: true };
  }

  #evict() {
    let n = Math.ceil(this.#max / 10);
    for (const key of this.#buckets.keys()) {
      if (n-- <= 0) break;
      this.#buckets.delete(key);
    }
  }
}
