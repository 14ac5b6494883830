import { z } from 'zod';
import { TENANT_ID_PATTERN } from './ids.ts';

/**
 * Refresh tokens and invitation tokens: `<tenantId>.<32 random bytes, base64url>`. The tenant
 * part lets the cell open the right tenant transaction before it knows anything else, so a
 * token is checked against this exact shape at the boundary: a NUL or any other stray
 * character in the tenant part once reached the database's tenant setting (a 500).
 */
const SECRET_BODY = '[A-Za-z0-9_-]{43}';
export const TENANT_SECRET_PATTERN = `^${TENANT_ID_PATTERN.source.slice(1, -1)}\\.${SECRET_BODY}$`;

export const tenantSecretSchema = z
  .string()
  .regex(new RegExp(TENANT_SECRET_PATTERN), 'is not a token this service issued')
  .meta({ pattern: TENANT_SECRET_PATTERN, example: 'ten_acme.3q2-7wVQk3nJ0rZ5yGx1m9b8c7d6e5f4a3b2c1d0e9f' });

/** The tenant a well-formed secret names. */
export function tenantOfSecret(secret: string): string {
  return secret.slice(0, secret.indexOf('.'));
}
