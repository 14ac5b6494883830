import { createHash, randomBytes } from 'node:crypto';
import { TENANT_ID_PATTERN } from '@quire/shared/ids';

/**
 * A share link's token: `<tenant id>.<256 random bits, base64url>`. The tenant id is the
 * routing hint the edge reads (`/v1/share/<tenantId>.<rest>`) to reach the home cell without a
 * login; the random part is the secret, stored only as its sha256.
 */
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export function newLinkToken(tenantId: string): { token: string; hash: Buffer } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `${tenantId}.${secret}`, hash: hashSecret(secret) };
}

export function parseLinkToken(token: string): { tenantId: string; hash: Buffer } | null {
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const tenantId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!TENANT_ID_PATTERN.test(tenantId) || !SECRET.test(secret)) return null;
  return { tenantId, hash: hashSecret(secret) };
}

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
