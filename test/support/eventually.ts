/**
 * Polls `probe` until it returns something other than undefined/false, or fails with
 * `message` and the last value seen once `timeoutMs` has passed: for waiting on something
 * observable (a sealed chain, a drained queue) instead of sleeping a fixed time.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  message: string,
  { timeoutMs = 15_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`${message}: not reached within ${timeoutMs} ms (last: ${String(last)})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
