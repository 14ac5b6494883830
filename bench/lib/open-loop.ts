import { nowMs, summarize } from './stats.ts';

/**
 * An open-loop load driver: requests are scheduled by time at a fixed arrival rate and sent
 * whether or not earlier ones have answered, and each latency is measured from its scheduled
 * time, not from when it was sent — so a stall shows up in the percentiles instead of quietly
 * lowering the rate (no coordinated omission). A request that cannot be sent because too many
 * are in flight is counted as an error (`dropped`), never silently skipped.
 */
export interface Sample<T> {
  /** Scheduled time, ms since the run started. */
  at: number;
  /** Completion minus scheduled time (ms). */
  latencyMs: number;
  ok: boolean;
  status: number;
  info: T;
}

export interface OpenLoopResult<T> {
  targetRate: number;
  seconds: number;
  scheduled: number;
  completed: number;
  dropped: number;
  achievedRate: number;
  samples: Sample<T>[];
}

export async function runOpenLoop<T>(o: {
  rate: number;
  seconds: number;
  /** One request; resolves to its status and what to keep about it (never rejects). */
  send: (i: number) => Promise<{ status: number; info: T }>;
  /** A status counts as success when this says so (default 2xx). */
  ok?: (status: number) => boolean;
  maxInFlight?: number;
  /** Called every second with the samples so far (live progress, fault windows). */
  onTick?: (elapsedMs: number) => void;
  /** Stops scheduling early when it resolves true (checked every tick). */
  stop?: () => boolean;
}): Promise<OpenLoopResult<T>> {
  const ok = o.ok ?? ((s: number) => s >= 200 && s < 300);
  const maxInFlight = o.maxInFlight ?? 1_000;
  const interval = 1000 / o.rate;
  const total = Math.round(o.rate * o.seconds);
  const samples: Sample<T>[] = [];
  const start = nowMs();
  let next = 0;
  let inFlight = 0;
  let dropped = 0;
  const pending = new Set<Promise<void>>();
  let lastTick = 0;
  while (next < total && !o.stop?.()) {
    const now = nowMs() - start;
    while (next < total && next * interval <= now) {
      const at = next * interval;
      const i = next++;
      if (inFlight >= maxInFlight) {
        dropped++;
        continue;
      }
      inFlight++;
      const p: Promise<void> = o
        .send(i)
        .then(
          (r) => ({ status: r.status, info: r.info }),
          () => ({ status: 0, info: undefined as T }),
        )
        .then((r) => {
          samples.push({
            at,
            latencyMs: nowMs() - start - at,
            ok: ok(r.status),
            status: r.status,
            info: r.info,
          });
        })
        .finally(() => {
          inFlight--;
          pending.delete(p);
        });
      pending.add(p);
    }
    if (o.onTick && now - lastTick >= 1000) {
      lastTick = now;
      o.onTick(now);
    }
    const wait = Math.max(0, Math.min(10, next * interval - (nowMs() - start)));
    await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(pending);
  const elapsed = (nowMs() - start) / 1000;
  return {
    targetRate: o.rate,
    seconds: elapsed,
    scheduled: next,
    completed: samples.length,
    dropped,
    achievedRate: samples.length / elapsed,
    samples,
  };
}

/** p50/p99 of the successful samples and the error count, per key. */
export function breakdown<T>(samples: Sample<T>[], key: (s: Sample<T>) => string) {
  const groups = new Map<string, Sample<T>[]>();
  for (const s of samples) (groups.get(key(s)) ?? groups.set(key(s), []).get(key(s))!).push(s);
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, list]) => {
      const okLat = summarize(list.filter((s) => s.ok).map((s) => s.latencyMs));
      return {
        name,
        n: list.length,
        errors: list.filter((s) => !s.ok).length,
        p50: okLat.p50,
        p99: okLat.p99,
      };
    });
}
