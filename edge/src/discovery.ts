import { type DiscoverResult, discoverResultSchema, emailDomain } from '@quire/shared/discovery';
import type { Context } from 'hono';
import type { EdgeEnv } from './context.ts';
import { EdgeError } from './errors.ts';

/**
 * POST /v1/auth/discover `{ "email": … }` on any served hostname: which organisation signs this
 * person in. The edge keeps only the email's domain (the local part never leaves this
 * function, and is never logged) and asks the control plane which tenant verified that domain;
 * it answers the tenant's slug and where to sign in (its own hostname, or its region's for a
 * strict-residency tenant). Answers are remembered per isolate (5 minutes, 1 for unknown
 * domains); every request spends from the caller's unauthenticated rate-limit bucket.
 */
const POSITIVE_MS = 5 * 60_000;
const NEGATIVE_MS = 60_000;
const MAX_BODY = 2048;
const CACHE_MAX = 10_000;
const cache = new Map<string, { at: number; result: DiscoverResult | null }>();

export async function discover(c: Context<EdgeEnv>): Promise<Response> {
  const { config, limiter } = c.var.state;
  const taken = limiter.take(c.var.clientIp ?? 'unknown');
  if (!taken.ok) throw new EdgeError('rate_limited', 'too many requests', taken.retryAfterSeconds);
  const length = Number(c.req.header('content-length') ?? '0');
  if (length > MAX_BODY) throw new EdgeError('payload_too_large', 'request body is too large');
  const text = await c.req.text();
  if (text.length > MAX_BODY) throw new EdgeError('payload_too_large', 'request body is too large');
  let email: unknown;
  try {
    email = (JSON.parse(text) as { email?: unknown }).email;
  } catch {
    email = undefined;
  }
  const domain = typeof email === 'string' ? emailDomain(email) : null;
  if (!domain) throw new EdgeError('validation_failed', 'an email address is required');

  const result = await lookup(c, domain);
  if (!result) throw new EdgeError('tenant_not_found', 'no organisation signs in with this email domain');
  const { tenant } = result;
  const regionHost = tenant.strictResidency ? config.regionHosts.get(tenant.region) : undefined;
  const host = `${tenant.slug}.${regionHost ?? c.var.host.served}`;
  const proto = new URL(c.req.url).protocol;
  c.header('cache-control', 'no-store');
  return c.json({ tenant: tenant.slug, loginUrl: `${proto}//${host}/` }, 200);
}

async function lookup(c: Context<EdgeEnv>, domain: string): Promise<DiscoverResult | null> {
  const hit = cache.get(domain);
  if (hit && Date.now() - hit.at < (hit.result ? POSITIVE_MS : NEGATIVE_MS)) return hit.result;
  const { config } = c.var.state;
  let res: Response;
  try {
    res = await fetch(`${config.CONTROL_PLANE_URL.replace(/\/$/, '')}/v1/edge/discover`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.EDGE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ domain }),
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    throw new EdgeError('unavailable', 'discovery is not available right now', 5);
  }
  let result: DiscoverResult | null;
  if (res.status === 404) result = null;
  else if (res.status === 200) {
    const parsed = discoverResultSchema.safeParse(await res.json().catch(() => null));
    if (!parsed.success) throw new EdgeError('unavailable', 'discovery is not available right now', 5);
    result = parsed.data;
  } else throw new EdgeError('unavailable', 'discovery is not available right now', 5);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(domain, { at: Date.now(), result });
  return result;
}
