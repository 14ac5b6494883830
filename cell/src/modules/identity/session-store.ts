import { createHash } from 'node:crypto';
import { newId } from '@quire/shared/ids';
import type { TenantRole } from '@quire/shared/tenancy';
import { ACCESS_TOKEN_TTL_SECONDS } from '@quire/shared/tokens';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { newTenantSecret } from '../../auth/tenant-secrets.ts';
import type { CellDeps } from '../../context.ts';
import { type AuthMethod, refreshTokens, type SessionKind, sessions } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import type { ClientInfo } from '../../middleware/client-info.ts';

export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/** Break-glass sessions are short: they exist only to get through an SSO outage. */
export const BREAK_GLASS_TTL_MS = 8 * 3600 * 1000;

export type LoginKind = Extract<SessionKind, 'bearer' | 'cookie'>;

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export interface NewSession {
  tenantId: string;
  userId: string;
  role: TenantRole;
  kind: LoginKind;
  authMethod: AuthMethod;
  /** How the user proved who they are (RFC 8176 values: pwd, otp, mfa, …; `idp` for SSO). */
  amr: string[];
  /** A second factor was passed (ours, or the IdP's when the tenant trusts it). */
  mfa: boolean;
  connectionId?: string | null;
  client: ClientInfo;
  ttlMs?: number;
}

/** What a login hands out: a session row, its first refresh token and an access token. */
export interface IssuedSession {
  sessionId: string;
  userId: string;
  kind: LoginKind;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  refreshExpiresIn: number;
  /** For cookie sessions: the value state changes must send in x-csrf-token. */
  csrfToken: string | null;
}

/** Refresh tokens name their tenant so the cell can open the right tenant transaction. */
export async function newRefreshToken(tx: Tx, tenantId: string, sessionId: string): Promise<string> {
  const token = newTenantSecret(tenantId);
  await tx.insert(refreshTokens).values({ tenantId, tokenHash: sha256(token), sessionId });
  return token;
}

export async function startSession(tx: Tx, deps: CellDeps, s: NewSession): Promise<IssuedSession> {
  const sessionId = newId('session');
  const ttlMs = s.ttlMs ?? SESSION_TTL_MS;
  await tx.insert(sessions).values({
    tenantId: s.tenantId,
    id: sessionId,
    userId: s.userId,
    expiresAt: new Date(Date.now() + ttlMs),
    kind: s.kind,
    authMethod: s.authMethod,
    amr: s.amr,
    mfaAt: s.mfa ? new Date() : null,
    connectionId: s.connectionId ?? null,
    ip: s.client.ip,
    userAgent: s.client.userAgent,
    lastSeenAt: new Date(),
  });
  const refreshToken = await newRefreshToken(tx, s.tenantId, sessionId);
  return issue(
    deps,
    { tenantId: s.tenantId, userId: s.userId, role: s.role, sessionId, kind: s.kind },
    refreshToken,
    Math.floor(ttlMs / 1000),
  );
}

export async function issue(
  deps: CellDeps,
  o: { tenantId: string; userId: string; role: TenantRole; sessionId: string; kind: LoginKind },
  refreshToken: string,
  refreshExpiresIn: number,
): Promise<IssuedSession> {
  return {
    sessionId: o.sessionId,
    userId: o.userId,
    kind: o.kind,
    accessToken: await deps.tokens.issueAccessToken({
      userId: o.userId,
      tenantId: o.tenantId,
      role: o.role,
      sessionId: o.sessionId,
    }),
    refreshToken,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    refreshExpiresIn,
    csrfToken: o.kind === 'cookie' ? deps.tokens.csrfToken(o.sessionId) : null,
  };
}

/**
 * Revokes a user's live credentials of the given kinds (all by default): logins end on their
 * next request, API and SCIM tokens stop working. Returns how many were revoked.
 */
export async function revokeCredentials(
  tx: Tx,
  tenantId: string,
  userId: string,
  reason: string,
  kinds: SessionKind[] = ['bearer', 'cookie', 'api_token', 'scim'],
): Promise<number> {
  const rows = await tx
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(
      and(
        eq(sessions.tenantId, tenantId),
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        inArray(sessions.kind, kinds),
      ),
    )
    .returning({ id: sessions.id });
  return rows.length;
}
