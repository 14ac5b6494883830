import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { newTenantSecret } from '../../auth/tenant-secrets.ts';

/**
 * One SSO round trip (start → IdP → callback/ACS), kept server-side in the cell's Redis for ten
 * minutes under the hash of an opaque token that travels as the OAuth `state` or the SAML
 * `RelayState` (`<tenantId>.<random>`: the cell knows the tenant before it trusts anything).
 * It is taken once (GETDEL): a replayed callback finds nothing. It is bound to the browser
 * that started it by the hash of a cookie set at the start, so a login started by someone
 * else cannot be completed in this browser (login CSRF).
 */
export const FLOW_TTL_SECONDS = 600;

export interface Flow {
  tenantId: string;
  connectionId: string;
  protocol: 'oidc' | 'saml';
  /** sha256 of the browser-binding cookie set at the start. */
  binding: string;
  /** Where the IdP sends the browser back (OIDC redirect_uri, SAML ACS URL). */
  returnUrl: string;
  /** Where the browser lands in the app once signed in (a path). */
  returnTo: string;
  codeVerifier?: string;
  nonce?: string;
}

const sha = (v: string) => createHash('sha256').update(v).digest('hex');
const key = (token: string) => `quire:sso-flow:${sha(token)}`;

export const bindingHash = sha;

export function newBinding(): string {
  return randomBytes(24).toString('base64url');
}

export async function createFlow(redis: Redis, flow: Flow): Promise<string> {
  const token = newTenantSecret(flow.tenantId);
  await redis.set(key(token), JSON.stringify(flow), 'EX', FLOW_TTL_SECONDS);
  return token;
}

/** The flow of a state/RelayState token, removed as it is read (single use). */
export async function takeFlow(redis: Redis, token: string): Promise<Flow | null> {
  if (token.length > 200) return null;
  const raw = await redis.getdel(key(token));
  return raw ? (JSON.parse(raw) as Flow) : null;
}

/**
 * SAML request ids (InResponseTo) for node-saml's cache, per tenant and connection: a response
 * is accepted only to a request this cell sent for this connection, once.
 */
export function samlRequestCache(redis: Redis, tenantId: string, connectionId: string) {
  const k = (id: string) => `quire:saml-request:${tenantId}:${connectionId}:${sha(id)}`;
  return {
    async saveAsync(id: string, value: string) {
      await redis.set(k(id), value, 'EX', FLOW_TTL_SECONDS);
      return { value, createdAt: Date.now() };
    },
    async getAsync(id: string) {
      return redis.get(k(id));
    },
    async removeAsync(id: string | null) {
      if (!id) return null;
      const value = await redis.getdel(k(id));
      return value;
    },
  };
}

/** A SAML assertion id, remembered until it expires: the same assertion is accepted once. */
export async function firstUseOfAssertion(
  redis: Redis,
  tenantId: string,
  assertionId: string,
  ttlSeconds: number,
): Promise<boolean> {
  const ok = await redis.set(
    `quire:saml-assertion:${tenantId}:${sha(assertionId)}`,
    '1',
    'EX',
    Math.max(60, Math.min(ttlSeconds, 24 * 3600)),
    'NX',
  );
  return ok === 'OK';
}
