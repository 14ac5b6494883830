/**
 * GCRA (the generic cell rate algorithm) for one or more keys, all or nothing: the request is
 * allowed only when every key allows it, and only then is every key charged. One script per
 * check, so concurrent checks from every API process of the cell serialise in Redis with no
 * lost update. Time is Redis's own (TIME), so API processes with skewed clocks agree.
 *
 * Per key: ARGV[2i-1] = emission interval T (ms per request, limit / window), ARGV[2i] = the
 * burst (requests allowed at once: the limit). The key holds the theoretical arrival time
 * (TAT, ms). A request at `now` is allowed when TAT + T - burst*T <= now.
 *
 * Returns { allowed, deniedIndex (1-based, 0 = none), retryAfterMs, remaining..., resetMs... }.
 */
export const GCRA_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local allowed = 1
local denied = 0
local retry = 0
local tats = {}
local out = {}
for i = 1, n do
  local T = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  local new = tat + T
  local allowAt = new - burst * T
  if allowAt > now then
    allowed = 0
    if allowAt - now > retry then retry = allowAt - now; denied = i end
    out[i] = 0
    out[n + i] = math.ceil(tat - now)
  else
    out[i] = math.floor((now - allowAt) / T)
    out[n + i] = math.ceil(new - now)
  end
  tats[i] = new
end
if allowed == 1 then
  for i = 1, n do
    redis.call('SET', KEYS[i], string.format('%.3f', tats[i]), 'PX', math.max(1, math.ceil(tats[i] - now)))
  end
end
local reply = { allowed, denied, math.ceil(retry) }
for i = 1, 2 * n do reply[3 + i] = out[i] end
return reply
`;

export interface GcraKeyState {
  /** Requests still allowed right now after this one (0 when refused). */
  remaining: number;
  /** Milliseconds until the key is back to its full burst. */
  resetMs: number;
}

export interface GcraResult {
  allowed: boolean;
  /** 0-based index of the key that refused (the one that frees up last), or -1. */
  deniedIndex: number;
  retryAfterMs: number;
  keys: GcraKeyState[];
}

export function parseGcraReply(reply: number[], n: number): GcraResult {
  return {
    allowed: reply[0] === 1,
    deniedIndex: Number(reply[1]) - 1,
    retryAfterMs: Number(reply[2]),
    keys: Array.from({ length: n }, (_, i) => ({
      remaining: Number(reply[3 + i]),
      resetMs: Number(reply[3 + n + i]),
    })),
  };
}

/**
 * The same algorithm in process memory: the fallback when Redis is unreachable (each API
 * process then limits on its own; never unlimited). Entries expire once back to full burst.
 */
export class LocalGcra {
  private readonly tats = new Map<string, number>();
  private checks = 0;

  take(keys: { key: string; intervalMs: number; burst: number }[], now = Date.now()): GcraResult {
    if (++this.checks % 1024 === 0) this.sweep(now);
    let allowed = true;
    let denied = -1;
    let retry = 0;
    const next: number[] = [];
    const states = keys.map((k, i) => {
      const tat = Math.max(this.tats.get(k.key) ?? now, now);
      const fresh = tat + k.intervalMs;
      const allowAt = fresh - k.burst * k.intervalMs;
      next.push(fresh);
      if (allowAt > now) {
        allowed = false;
        if (allowAt - now > retry) {
          retry = allowAt - now;
          denied = i;
        }
        return { remaining: 0, resetMs: Math.ceil(tat - now) };
      }
      return { remaining: Math.floor((now - allowAt) / k.intervalMs), resetMs: Math.ceil(fresh - now) };
    });
    if (allowed) for (const [i, k] of keys.entries()) this.tats.set(k.key, next[i]!);
    return { allowed, deniedIndex: denied, retryAfterMs: Math.ceil(retry), keys: states };
  }

  private sweep(now: number): void {
    for (const [key, tat] of this.tats) if (tat <= now) this.tats.delete(key);
  }
}
