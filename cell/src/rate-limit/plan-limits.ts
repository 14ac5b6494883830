import { RateLimited } from '@quire/shared/errors';
import type { Context } from 'hono';
import type { RequestCtx } from '../context.ts';
import { type RateCheck, type RateDecision, rateLimitHeaders } from './limiter.ts';

/** `details.resource` of a 429, per policy: the plan's key where the plan sets it. */
const RESOURCE: Record<string, string> = {
  api: 'apiCallsPerMinute',
  user: 'userCallsPerMinute',
  search: 'searchCallsPerMinute',
};

/** Every authenticated request: the tenant's API calls per minute and the user's share of them. */
export function apiChecks(ctx: RequestCtx): RateCheck[] {
  const tenantLimit = ctx.tenant.limits.apiCallsPerMinute;
  return [
    { policy: 'api', subject: 'tenant', tenantId: ctx.tenant.id, limit: tenantLimit, windowSeconds: 60 },
    {
      policy: 'user',
      subject: ctx.claims.sub,
      tenantId: ctx.tenant.id,
      limit: Math.min(tenantLimit, ctx.deps.rateLimits.userPerMinute),
      windowSeconds: 60,
    },
  ];
}

/** Search, on top of the API limit: the plan's search calls per minute. */
export function searchChecks(ctx: RequestCtx): RateCheck[] {
  return [
    {
      policy: 'search',
      subject: 'tenant',
      tenantId: ctx.tenant.id,
      limit: ctx.tenant.limits.searchCallsPerMinute,
      windowSeconds: 60,
    },
  ];
}

/**
 * Counts the request against `checks`, adds the RateLimit-Policy / RateLimit fields (appended:
 * search adds its own policy to the API's), and refuses with 429 + Retry-After past a limit.
 */
export async function enforceRateLimits(c: Context, ctx: RequestCtx, checks: RateCheck[]): Promise<void> {
  const limiter = ctx.deps.rateLimiter;
  if (!limiter) return;
  const decision: RateDecision = await limiter.take(checks);
  const headers = rateLimitHeaders(decision);
  if (headers) {
    c.header('RateLimit-Policy', headers.policy, { append: true });
    c.header('RateLimit', headers.state, { append: true });
  }
  if (decision.allowed || !decision.denied) return;
  const resource = RESOURCE[decision.denied.policy] ?? decision.denied.policy;
  ctx.deps.metrics.throttled({ resource, tenantId: ctx.tenant.id, degraded: decision.degraded });
  const who = decision.denied.policy === 'user' ? 'a user' : 'the tenant';
  throw new RateLimited(
    decision.retryAfterSeconds,
    `rate limited: ${who} may make ${decision.denied.limit} ${decision.denied.policy === 'search' ? 'searches' : 'calls'} per minute`,
    { resource, limit: decision.denied.limit, used: decision.denied.limit },
  );
}
