import * as client from 'openid-client';
import type { CellDeps } from '../../context.ts';
import { type ConnectionRow, clientSecretOf, oidcConfigOf } from './repo.ts';

/** Clock skew tolerated on the ID token's iat/exp/nbf. */
export const CLOCK_TOLERANCE_SECONDS = 60;
const DISCOVERY_TTL_MS = 10 * 60 * 1000;
const IDP_TIMEOUT_MS = 5_000;

/**
 * One openid-client Configuration per connection version, from the issuer's discovery document
 * (the issuer in it must be the configured one), re-discovered every ten minutes. ID token
 * signatures are verified (non-repudiation checks on): openid-client keeps the IdP's JWKS with
 * the configuration and fetches it again when an ID token names a key it does not have, so a
 * key rotation at the IdP needs nothing from us.
 */
const configs = new Map<string, { at: number; config: Promise<client.Configuration> }>();

export class IdpUnreachable extends Error {
  constructor(cause: unknown) {
    super('the identity provider did not answer', { cause });
    this.name = 'IdpUnreachable';
  }
}

const timedFetch: client.CustomFetch = (url, options) =>
  fetch(url, { ...options, signal: AbortSignal.timeout(IDP_TIMEOUT_MS) } as RequestInit);

export async function oidcConfiguration(deps: CellDeps, c: ConnectionRow): Promise<client.Configuration> {
  const key = `${c.tenantId}:${c.id}:${c.updatedAt.getTime()}`;
  const hit = configs.get(key);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.config;
  const cfg = oidcConfigOf(c);
  const secret = await clientSecretOf(deps, c);
  const config = client
    .discovery(
      new URL(cfg.issuer),
      cfg.clientId,
      { client_secret: secret, [client.clockTolerance]: CLOCK_TOLERANCE_SECONDS },
      secret ? client.ClientSecretBasic(secret) : client.None(),
      {
        [client.customFetch]: timedFetch,
        // The ID token's signature is checked against the IdP's JWKS too (openid-client would
        // otherwise rely on TLS alone for tokens from the token endpoint).
        execute: [
          client.enableNonRepudiationChecks,
          ...(deps.sso.allowInsecureIdp ? [client.allowInsecureRequests] : []),
        ],
      },
    )
    .catch((err) => {
      configs.delete(key);
      throw new IdpUnreachable(err);
    });
  configs.set(key, { at: Date.now(), config });
  if (configs.size > 2000) configs.delete(configs.keys().next().value!);
  return config;
}

/**
 * Drops a connection's cached configuration, so the next login discovers again and fetches the
 * IdP's keys afresh. openid-client refetches the JWKS on an unknown key id only once the copy it
 * has is a minute old: an IdP that starts signing with a key it has not published before can fail
 * that minute's logins, and this makes the next one recover at once.
 */
export function forgetConfiguration(c: ConnectionRow): void {
  configs.delete(`${c.tenantId}:${c.id}:${c.updatedAt.getTime()}`);
}

export async function authorizationUrl(
  config: client.Configuration,
  o: { redirectUri: string; scopes: string[]; state: string; nonce: string; codeVerifier: string },
): Promise<URL> {
  return client.buildAuthorizationUrl(config, {
    redirect_uri: o.redirectUri,
    scope: [...new Set(['openid', ...o.scopes])].join(' '),
    response_type: 'code',
    state: o.state,
    nonce: o.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(o.codeVerifier),
    code_challenge_method: 'S256',
  });
}

/**
 * The code exchanged at the token endpoint (PKCE verifier, client secret), the ID token
 * validated by openid-client: signature against the IdP's JWKS, iss = the configured issuer,
 * aud = our client id, exp/iat within the clock tolerance, nonce and state ours.
 */
export async function exchangeCode(
  config: client.Configuration,
  currentUrl: URL,
  o: { state: string; nonce: string; codeVerifier: string },
): Promise<Record<string, unknown>> {
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: o.codeVerifier,
      expectedState: o.state,
      expectedNonce: o.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    if (isNetworkError(err)) throw new IdpUnreachable(err);
    throw err;
  }
  const claims = tokens.claims();
  if (!claims) throw new Error('no ID token');
  return claims as Record<string, unknown>;
}

function isNetworkError(err: unknown): boolean {
  const e = err as { name?: string; cause?: { code?: string; name?: string }; status?: number };
  return (
    e?.name === 'TimeoutError' ||
    e?.name === 'AbortError' ||
    e?.cause?.name === 'TimeoutError' ||
    (typeof e?.cause?.code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|UND_ERR)/.test(e.cause.code)) ||
    (e?.name === 'TypeError' && String((err as Error).message).includes('fetch failed')) ||
    (typeof e?.status === 'number' && e.status >= 500)
  );
}
