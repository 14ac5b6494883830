import { Forbidden, Unauthenticated } from '@quire/shared/errors';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../context.ts';
import { safeEqual, sha256Hex } from '../../crypto/secret-box.ts';
import { appendAudit } from '../../db/audit.ts';
import { bearerToken } from '../../http/openapi.ts';
import { findLiveToken } from './repo.ts';
import { allows, type OpsAction } from './roles.ts';

/**
 * Authenticates every /v1/admin request: OPS_BOOTSTRAP_TOKEN (a platform admin), or an ops
 * token by its sha256. A refusal is audited before it is answered.
 */
export const opsAuth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const deps = c.get('deps');
    const token = bearerToken(c.req.header('authorization'));
    if (token && safeEqual(token, deps.bootstrapToken)) {
      c.set('actor', { id: 'bootstrap', role: 'platform-admin' });
      return next();
    }
    const actor = token ? await findLiveToken(deps.db, sha256Hex(token)) : null;
    if (actor) {
      c.set('actor', actor);
      return next();
    }
    await audit(c, 'anonymous', null, 'auth');
    throw new Unauthenticated(token ? 'invalid or revoked ops token' : 'an ops token is required (Bearer)');
  });

/** Route middleware: the actor's role must allow `action` (checked before the input is parsed). */
export const allow = (action: OpsAction) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const actor = c.get('actor');
    if (!allows(actor.role, action)) {
      await audit(c, actor.id, actor.role, action);
      throw new Forbidden(`the ${actor.role} role may not ${action}`);
    }
    await next();
  });

async function audit(c: Context<AppEnv>, actor: string, role: string | null, action: string) {
  await appendAudit(c.get('deps').db, {
    actor,
    actorRole: role,
    action,
    requestId: c.get('requestId'),
    outcome: 'denied',
    details: { method: c.req.method, path: c.req.path.slice(0, 200) },
  });
}
