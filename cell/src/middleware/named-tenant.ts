import { QuireError, Unauthenticated } from '@quire/shared/errors';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';

/**
 * The tenant a sign-in route is for, before anyone is authenticated: the one the edge routed by
 * (the organisation's hostname), else the `tenantId` the request names (a cell reached directly).
 * Naming another tenant than the hostname's is 403 `tenant_mismatch`, naming none 401: as the
 * edge answers.
 */
export function namedTenant(c: Context<AppEnv>, given: string | undefined): string {
  const fromEdge = c.get('edge')?.tenantId ?? undefined;
  if (fromEdge && given && fromEdge !== given)
    throw new QuireError('tenant_mismatch', 'tenantId names another tenant than this hostname');
  const tenantId = fromEdge ?? given;
  if (!tenantId) throw new Unauthenticated("give tenantId, or sign in on your organisation's hostname");
  return tenantId;
}
