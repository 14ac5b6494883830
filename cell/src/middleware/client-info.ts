import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/**
 * Where a request came from, for the audit log. Forwarded headers are believed only
 * when the cell is configured to sit behind a trusted proxy (the edge).
 */
export function clientInfo(c: Context, trustProxy: boolean): ClientInfo {
  let ip: string | null = null;
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded && isIP(forwarded)) ip = forwarded;
  }
  if (!ip) {
    try {
      const remote = getConnInfo(c).remote.address;
      if (remote && isIP(remote)) ip = remote;
    } catch {
      ip = null; // app.request() in tests has no socket
    }
  }
  const ua = c.req.header('user-agent');
  return { ip, userAgent: ua ? ua.slice(0, 512) : null };
}

/** Who, from where, which request: what the unauthenticated and internal verbs record in the audit log. */
export function requestMeta(c: Context<AppEnv>): { requestId: string; client: ClientInfo } {
  return { requestId: c.get('requestId'), client: clientInfo(c, trustsForwarding(c)) };
}

/** Forwarded headers count when the cell is configured behind a proxy or the edge asserted the request. */
export function trustsForwarding(c: Context<AppEnv>): boolean {
  return c.get('deps').trustProxy || c.get('edge') !== undefined;
}
