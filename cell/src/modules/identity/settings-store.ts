import { eq } from 'drizzle-orm';
import { identitySettings } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';

export type IdentitySettings = typeof identitySettings.$inferSelect;

/** The tenant's identity policy, or the defaults when it never set one. */
export async function readIdentitySettings(tx: Tx, tenantId: string): Promise<IdentitySettings> {
  const [row] = await tx.select().from(identitySettings).where(eq(identitySettings.tenantId, tenantId));
  return (
    row ?? {
      tenantId,
      mfaRequired: 'off',
      passwordLogin: 'allowed',
      trustIdpMfa: false,
      ssoUnavailableUntil: null,
      ssoUnavailableBy: null,
      deprovisionTransferTo: null,
      updatedAt: new Date(0),
    }
  );
}

/** The admin-set "SSO unavailable" flag is on (it switches itself off at its end time). */
export function ssoFlaggedUnavailable(s: IdentitySettings, now = new Date()): boolean {
  return s.ssoUnavailableUntil !== null && s.ssoUnavailableUntil > now;
}
