import { nowMs } from './stats.ts';

/**
 * `clients` concurrent callers, each running `call(k)` back to back until `seconds` have
 * passed. Caller w counts k up from w × 7, so callers walking a rotating mix do not move in
 * step. Returns every call's latency in ms (also handed to `record(k, ms)`) and the seconds
 * the whole run took.
 */
export async function closedLoop(
  clients: number,
  seconds: number,
  call: (k: number) => Promise<void>,
  record?: (k: number, ms: number) => void,
): Promise<{ samples: number[]; elapsed: number }> {
  const samples: number[] = [];
  const started = nowMs();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      for (let k = w * 7; nowMs() < deadline; k++) {
        const t0 = nowMs();
        await call(k);
        const ms = nowMs() - t0;
        samples.push(ms);
        record?.(k, ms);
      }
    }),
  );
  return { samples, elapsed: (nowMs() - started) / 1000 };
}
