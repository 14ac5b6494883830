import { createHash, randomBytes } from 'node:crypto';

/**
 * A new refresh or invitation token of a tenant, in the one shape the boundary accepts
 * (`@quire/shared/tenant-secrets`): `<tenantId>.<32 random bytes, base64url>`. Only its
 * hash is stored.
 */
export function newTenantSecret(tenantId: string): string {
  return `${tenantId}.${randomBytes(32).toString('base64url')}`;
}

export const secretHash = (secret: string) => createHash('sha256').update(secret).digest('hex');
