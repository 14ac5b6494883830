import { Forbidden, Unauthenticated } from '@quire/shared/errors';
import type { TenantRole } from '@quire/shared/tenancy';
import { tenantOfSecret, tenantSecretSchema } from '@quire/shared/tenant-secrets';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { CellDeps } from '../../../context.ts';
import { refreshTokens, sessions, users } from '../../../db/schema/index.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import { auditInTx, type Meta } from '../audit.ts';
import { type IssuedSession, issue, type LoginKind, newRefreshToken, sha256 } from '../session-store.ts';
import { activeTenant } from './login.ts';

/**
 * Rotates the refresh token; presenting a spent one revokes the whole session (theft
 * detection). The session must still pass `session_actor()` (migration 0009): refreshing never
 * upgrades a session (a second factor now required and not passed, a disabled user, a revoked
 * session all refuse). A browser session refreshes only from its cookie, with its CSRF token;
 * a bearer session only from the body.
 */
export async function refresh(
  deps: CellDeps,
  input: { refreshToken: string; via: 'body' | 'cookie'; csrf?: string | undefined },
  meta: Meta,
): Promise<IssuedSession> {
  // A cookie's token did not pass the body's schema: check its shape before its tenant part is used.
  if (!tenantSecretSchema.safeParse(input.refreshToken).success)
    throw new Unauthenticated('the refresh token is invalid or expired; sign in again');
  const tenantId = tenantOfSecret(input.refreshToken);
  const tenant = await activeTenant(deps, tenantId);
  const outcome = await withTenantTx(deps.db, tenant.id, async (tx) => {
    const [row] = await tx
      .select({ token: refreshTokens, session: sessions, user: users })
      .from(refreshTokens)
      .innerJoin(
        sessions,
        and(eq(sessions.tenantId, refreshTokens.tenantId), eq(sessions.id, refreshTokens.sessionId)),
      )
      .innerJoin(users, and(eq(users.tenantId, sessions.tenantId), eq(users.id, sessions.userId)))
      .where(
        and(eq(refreshTokens.tenantId, tenant.id), eq(refreshTokens.tokenHash, sha256(input.refreshToken))),
      )
      .for('update', { of: refreshTokens });
    if (!row) return null;
    const kind = row.session.kind as LoginKind;
    if (kind !== (input.via === 'cookie' ? 'cookie' : 'bearer')) return null;
    if (input.via === 'cookie' && !(input.csrf && deps.tokens.checkCsrf(row.session.id, input.csrf)))
      return 'csrf' as const;
    if (row.token.usedAt) {
      await tx
        .update(sessions)
        .set({ revokedAt: new Date(), revokedReason: 'refresh_token_reuse' })
        .where(
          and(eq(sessions.tenantId, tenant.id), eq(sessions.id, row.session.id), isNull(sessions.revokedAt)),
        );
      await auditInTx(tx, tenant.id, meta, row.user.id, {
        action: 'auth.refresh_reuse_detected',
        resourceType: 'session',
        resourceId: row.session.id,
      });
      return 'reuse' as const;
    }
    const [live] = await tx.conn<{ role: TenantRole }[]>`
      select role from session_actor(${row.user.id}, ${row.session.id})`;
    if (!live) return null;
    await tx
      .update(refreshTokens)
      .set({ usedAt: new Date() })
      .where(and(eq(refreshTokens.tenantId, tenant.id), eq(refreshTokens.tokenHash, row.token.tokenHash)));
    await tx
      .update(sessions)
      .set({ lastSeenAt: sql`now()`, ip: meta.client.ip, userAgent: meta.client.userAgent })
      .where(and(eq(sessions.tenantId, tenant.id), eq(sessions.id, row.session.id)));
    const refreshToken = await newRefreshToken(tx, tenant.id, row.session.id);
    return issue(
      deps,
      { tenantId: tenant.id, userId: row.user.id, role: live.role, sessionId: row.session.id, kind },
      refreshToken,
      Math.max(0, Math.floor((row.session.expiresAt.getTime() - Date.now()) / 1000)),
    );
  });
  if (outcome === 'csrf')
    throw new Forbidden('refreshing a browser session needs its CSRF token in x-csrf-token', {
      reason: 'csrf',
    });
  if (!outcome || outcome === 'reuse') throw new Unauthenticated('refresh token is invalid');
  return outcome;
}
