import type { CellDeps } from '../../context.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { readIdentitySettings, ssoFlaggedUnavailable } from '../identity/settings-store.ts';
import { type ConnectionRow, enabledConnections, oidcConfigOf, samlConfigOf } from './repo.ts';

/** An IdP that failed to answer keeps its tenant marked "SSO unavailable" this long. */
const DOWN_SECONDS = 15 * 60;
const PROBE_TIMEOUT_MS = 3_000;

const downKey = (tenantId: string) => `quire:sso-down:${tenantId}`;

/** Called when an IdP does not answer during a login (network error, timeout, 5xx). */
export async function markIdpDown(deps: CellDeps, tenantId: string, connectionId: string): Promise<void> {
  await deps.redis.set(downKey(tenantId), connectionId, 'EX', DOWN_SECONDS);
}

/** An IdP of the tenant failed to answer a login (or a probe) in the last 15 minutes. */
export async function recentlyDown(deps: CellDeps, tenantId: string): Promise<boolean> {
  return (await deps.redis.exists(downKey(tenantId))) > 0;
}

export type Unavailability = 'admin_flag' | 'recent_failures' | 'probe_failed';

/**
 * Whether the tenant's SSO counts as unavailable, which is when its break-glass accounts work:
 * the admin-set flag is on, or an IdP failed to answer a login in the last 15 minutes, or
 * (asked now) none of its enabled IdPs answers: the discovery document of an OIDC issuer,
 * the SSO URL of a SAML IdP (any answer below 500 counts as up).
 */
export async function ssoUnavailable(
  deps: CellDeps,
  tx: Tx,
  tenantId: string,
): Promise<Unavailability | null> {
  if (ssoFlaggedUnavailable(await readIdentitySettings(tx, tenantId))) return 'admin_flag';
  if (await recentlyDown(deps, tenantId)) return 'recent_failures';
  const connections = await enabledConnections(tx, tenantId);
  if (connections.length === 0) return null;
  const up = await Promise.all(connections.map((c) => answers(c)));
  if (up.some(Boolean)) return null;
  await deps.redis.set(downKey(tenantId), 'probe', 'EX', DOWN_SECONDS);
  return 'probe_failed';
}

async function answers(c: ConnectionRow): Promise<boolean> {
  const url =
    c.protocol === 'oidc'
      ? `${oidcConfigOf(c).issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
      : samlConfigOf(c).idpSsoUrl;
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.status < 500;
  } catch {
    return false;
  }
}
