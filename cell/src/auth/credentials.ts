import { Forbidden } from '@quire/shared/errors';

/**
 * What a credential may reach. A login (bearer or cookie session) reaches every user route; a
 * personal API token only the content routes its scopes name, never identity, sessions, MFA,
 * tokens or administration (so a script's token cannot mint credentials, switch MFA off or
 * outlive its scopes); a SCIM token only the SCIM API. Checked after the actor load on every
 * road to the database (unit-of-work.ts), the one-statement reads included.
 */
export type CredentialKind = 'bearer' | 'cookie' | 'api_token' | 'scim';

export const API_TOKEN_SCOPES = ['documents:read', 'documents:write', 'audit:read'] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

const SAFE = new Set(['GET', 'HEAD']);
const CONTENT_READ = /^\/v1\/(documents|folders|search|trash|grants)(\/|$)/;
const CONTENT_WRITE = /^\/v1\/(documents|folders|grants)(\/|$)/;
const AUDIT = /^\/v1\/audit(\/|$)/;
const SCIM = /^\/scim\/v2(\/|$)/;

export interface RequestTarget {
  method: string;
  path: string;
}

export function credentialAllows(
  actor: { kind: CredentialKind; scopes: readonly string[] },
  req: RequestTarget,
): boolean {
  const scim = SCIM.test(req.path);
  switch (actor.kind) {
    case 'bearer':
    case 'cookie':
      return !scim;
    case 'scim':
      return scim;
    case 'api_token': {
      const safe = SAFE.has(req.method);
      if (safe && req.path === '/v1/me') return true;
      if (safe && CONTENT_READ.test(req.path)) return actor.scopes.includes('documents:read');
      if (!safe && CONTENT_WRITE.test(req.path)) return actor.scopes.includes('documents:write');
      if (safe && AUDIT.test(req.path)) return actor.scopes.includes('audit:read');
      return false;
    }
    default:
      return false;
  }
}

export function assertCredentialAllows(
  actor: { kind: CredentialKind; scopes: readonly string[] },
  req: RequestTarget,
): void {
  if (!credentialAllows(actor, req))
    throw new Forbidden(
      actor.kind === 'api_token'
        ? 'this API token may not be used here (its scopes do not cover this route)'
        : 'this credential may not be used here',
      { reason: 'credential_scope' },
    );
}

/** Logins only: managing sessions, tokens, MFA and the directory needs a person, not a script. */
export function isInteractive(kind: CredentialKind): boolean {
  return kind === 'bearer' || kind === 'cookie';
}
