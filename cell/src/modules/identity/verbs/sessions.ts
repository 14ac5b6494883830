import { QuireError, Unauthenticated } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import type { TenantRole } from '@quire/shared/tenancy';
import { tenantOfSecret } from '@quire/shared/tenant-secrets';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { appendInTx } from '../../../audit-trail/append.ts';
import { type AuditInput, auditEntry, auditOrigin } from '../../../audit-trail/entry.ts';
import { newTenantSecret, secretHash } from '../../../auth/tenant-secrets.ts';
import type { CellDeps } from '../../../context.ts';
import { refreshTokens, sessions, users } from '../../../db/schema/index.ts';
import { type Tx, withTenantTx } from '../../../db/tenant-tx.ts';
import type { ClientInfo } from '../../../middleware/client-info.ts';
import { dummyHash, verifyPassword } from '../passwords.ts';

const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

interface Meta {
  requestId: string;
  client: ClientInfo;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

async function audit(tx: Tx, tenantId: string, meta: Meta, actorId: string, e: AuditInput) {
  await appendInTx(tx, [auditEntry(auditOrigin(tenantId, meta), actorId, e)]);
}

/** Refresh tokens name their tenant so the cell can open the right tenant transaction. */
async function newRefreshToken(tx: Tx, tenantId: string, sessionId: string): Promise<string> {
  const token = newTenantSecret(tenantId);
  await tx.insert(refreshTokens).values({ tenantId, tokenHash: secretHash(token), sessionId });
  return token;
}

async function activeTenant(deps: CellDeps, tenantId: string) {
  const tenant = await deps.tenants.get(tenantId);
  if (!tenant) throw new Unauthenticated('invalid credentials');
  if (tenant.status !== 'active') throw new QuireError('tenant_suspended', 'tenant is suspended');
  return tenant;
}

/** Password login; failures are throttled per tenant + address and audited. */
export async function login(
  deps: CellDeps,
  input: { tenantId: string; email: string; password: string },
  meta: Meta,
): Promise<TokenPair> {
  const tenant = await activeTenant(deps, input.tenantId);
  await deps.loginThrottle.assertAllowed(tenant.id, meta.client.ip);
  const [user] = await withTenantTx(deps.db, tenant.id, (tx) =>
    tx
      .select()
      .from(users)
      .where(and(eq(users.tenantId, tenant.id), sql`lower(${users.email}) = lower(${input.email})`)),
  );
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok || user.status !== 'active') {
    await deps.loginThrottle.recordFailure(tenant.id, meta.client.ip);
    await deps.auditTrail.append([
      auditEntry(auditOrigin(tenant.id, meta), user?.id ?? 'anonymous', {
        action: 'auth.login_failed',
        resourceType: 'user',
        resourceId: user?.id ?? null,
        details: { reason: !user ? 'unknown_user' : !ok ? 'bad_password' : 'inactive' },
      }),
    ]);
    throw new Unauthenticated('invalid credentials');
  }
  await deps.loginThrottle.reset(tenant.id, meta.client.ip);
  return withTenantTx(deps.db, tenant.id, async (tx) => {
    const sessionId = newId('session');
    await tx.insert(sessions).values({
      tenantId: tenant.id,
      id: sessionId,
      userId: user.id,
      expiresAt: new Date(Date.now() + SESSION_TTL_MS),
    });
    const refreshToken = await newRefreshToken(tx, tenant.id, sessionId);
    await audit(tx, tenant.id, meta, user.id, {
      action: 'auth.login',
      resourceType: 'session',
      resourceId: sessionId,
    });
    return pair(
      deps,
      { userId: user.id, tenantId: tenant.id, role: user.role as TenantRole, sessionId },
      refreshToken,
    );
  });
}

/**
 * Rotates the refresh token; presenting a spent one revokes the whole session (theft detection).
 * The token was checked against its shape at the boundary, so its tenant part is a tenant id.
 */
export async function refresh(
  deps: CellDeps,
  input: { refreshToken: string },
  meta: Meta,
): Promise<TokenPair> {
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
        and(
          eq(refreshTokens.tenantId, tenant.id),
          eq(refreshTokens.tokenHash, secretHash(input.refreshToken)),
        ),
      )
      .for('update', { of: refreshTokens });
    if (!row) return null;
    if (row.token.usedAt) {
      await tx
        .update(sessions)
        .set({ revokedAt: new Date(), revokedReason: 'refresh_token_reuse' })
        .where(
          and(eq(sessions.tenantId, tenant.id), eq(sessions.id, row.session.id), isNull(sessions.revokedAt)),
        );
      await audit(tx, tenant.id, meta, row.user.id, {
        action: 'auth.refresh_reuse_detected',
        resourceType: 'session',
        resourceId: row.session.id,
      });
      return 'reuse' as const;
    }
    if (row.session.revokedAt || row.session.expiresAt < new Date() || row.user.status !== 'active')
      return null;
    await tx
      .update(refreshTokens)
      .set({ usedAt: new Date() })
      .where(and(eq(refreshTokens.tenantId, tenant.id), eq(refreshTokens.tokenHash, row.token.tokenHash)));
    const refreshToken = await newRefreshToken(tx, tenant.id, row.session.id);
    return pair(
      deps,
      {
        userId: row.user.id,
        tenantId: tenant.id,
        role: row.user.role as TenantRole,
        sessionId: row.session.id,
      },
      refreshToken,
    );
  });
  if (!outcome || outcome === 'reuse') throw new Unauthenticated('refresh token is invalid');
  return outcome;
}

async function pair(
  deps: CellDeps,
  claims: Parameters<CellDeps['tokens']['issueAccessToken']>[0],
  refreshToken: string,
): Promise<TokenPair> {
  return {
    accessToken: await deps.tokens.issueAccessToken(claims),
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: 15 * 60,
  };
}
