/**
 * The options every long-lived postgres.js pool of a service shares (the cell's, the control
 * plane's and its lock pool). Migrations and one-off tools keep the driver's defaults.
 *
 * Reconnecting: postgres.js waits `backoff(n)` seconds before the n-th attempt after a failed
 * one, by default up to 20 s (3^n / 100), so a Postgres that was down for 4 s under load kept
 * the API answering 503 for 17 s after it was back (bench/faults.ts). Here the wait doubles
 * from 50 ms and stops at 1 s, jittered: an attempt is a TCP connect, cheap for the server.
 */
export function reconnectDelaySeconds(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2);
}

export const poolOptions = {
  idle_timeout: 30,
  connect_timeout: 10,
  backoff: reconnectDelaySeconds,
  onnotice: () => {},
} as const;
