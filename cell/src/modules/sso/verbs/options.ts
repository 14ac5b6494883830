import type { CellDeps } from '../../../context.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import { readIdentitySettings, ssoFlaggedUnavailable } from '../../identity/settings-store.ts';
import { activeTenant } from '../../identity/verbs/login.ts';
import { recentlyDown } from '../health.ts';
import { enabledConnections } from '../repo.ts';

/**
 * What a sign-in page offers before anyone is known: the tenant's enabled identity providers
 * (id, display name, protocol: the start route needs the id), whether passwords are accepted,
 * and whether SSO is known to be unavailable (the admin's flag or an IdP that failed in the
 * last 15 minutes), when the page points to break-glass. No live probe of the IdPs here: an
 * anonymous GET must not make the cell call out; the break-glass login probes for itself.
 */
export async function signInOptions(deps: CellDeps, tenantId: string) {
  const tenant = await activeTenant(deps, tenantId);
  const { settings, connections } = await withTenantTx(
    deps.db,
    tenant.id,
    async (tx) => ({
      settings: await readIdentitySettings(tx, tenant.id),
      connections: await enabledConnections(tx, tenant.id),
    }),
    { readOnly: true },
  );
  const unavailable = ssoFlaggedUnavailable(settings) || (await recentlyDown(deps, tenant.id));
  return {
    passwordLogin: settings.passwordLogin,
    sso: connections
      .map((c) => ({ id: c.id, name: c.name, protocol: c.protocol }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    ssoUnavailable: unavailable,
  };
}
