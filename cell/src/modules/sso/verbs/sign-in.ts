import { BadRequest, QuireError, Unauthenticated } from '@quire/shared/errors';
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import { randomNonce, randomPKCECodeVerifier } from 'openid-client';
import type { CellDeps } from '../../../context.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import { auditInTx, auditNow, type Meta } from '../../identity/audit.ts';
import { activeTenant, completeLogin, type LoginOutcome } from '../../identity/verbs/login.ts';
import { type AssertedIdentity, resolveSsoUser, SsoAccountRefused } from '../accounts.ts';
import { asStrings } from '../config.ts';
import { bindingHash, createFlow, type Flow, newBinding, takeFlow } from '../flow.ts';
import { markIdpDown } from '../health.ts';
import {
  authorizationUrl,
  exchangeCode,
  forgetConfiguration,
  IdpUnreachable,
  oidcConfiguration,
} from '../oidc.ts';
import { type ConnectionRow, findConnection, oidcConfigOf } from '../repo.ts';
import { SamlRefused, samlProvider, validateSamlResponse } from '../saml.ts';

/** amr values (RFC 8176) that mean the IdP did more than a password. */
const MFA_AMR = ['mfa', 'otp', 'hwk', 'swk', 'sms', 'fpt', 'face', 'iris', 'retina', 'vbm', 'pop', 'sc'];

export const callbackPath = (connectionId: string) => `/v1/auth/sso/${connectionId}/callback`;
export const acsPath = (connectionId: string) => `/v1/auth/sso/${connectionId}/acs`;

const refused = () => new Unauthenticated('single sign-on failed; start again');

async function enabledConnection(deps: CellDeps, tenantId: string, id: string): Promise<ConnectionRow> {
  const c = await withTenantTx(deps.db, tenantId, (tx) => findConnection(tx, tenantId, id));
  if (!c.enabled) throw refused();
  return c;
}

async function fail(deps: CellDeps, tenantId: string, meta: Meta, connectionId: string, reason: string) {
  await auditNow(deps, tenantId, meta, 'anonymous', {
    action: 'auth.sso_failed',
    resourceType: 'sso_connection',
    resourceId: connectionId,
    details: { reason },
  });
}

/**
 * Sends the browser to the tenant's IdP: OIDC authorization code with PKCE (S256), state and
 * nonce; or a SAML AuthnRequest (HTTP-Redirect) whose id the ACS will expect in InResponseTo.
 * The round trip is bound to this browser by a cookie (`binding`, set by the route).
 */
export async function startSso(
  deps: CellDeps,
  o: { tenantId: string; connectionId: string; origin: string; returnTo: string },
  meta: Meta,
): Promise<{ location: string; binding: string }> {
  const tenant = await activeTenant(deps, o.tenantId);
  const c = await enabledConnection(deps, tenant.id, o.connectionId);
  const binding = newBinding();
  const base: Omit<Flow, 'returnUrl'> = {
    tenantId: tenant.id,
    connectionId: c.id,
    protocol: c.protocol,
    binding: bindingHash(binding),
    returnTo: o.returnTo,
  };
  try {
    if (c.protocol === 'oidc') {
      const returnUrl = `${o.origin}${callbackPath(c.id)}`;
      const config = await oidcConfiguration(deps, c);
      const codeVerifier = randomPKCECodeVerifier();
      const nonce = randomNonce();
      const state = await createFlow(deps.redis, { ...base, returnUrl, codeVerifier, nonce });
      const url = await authorizationUrl(config, {
        redirectUri: returnUrl,
        scopes: oidcConfigOf(c).scopes,
        state,
        nonce,
        codeVerifier,
      });
      return { location: url.href, binding };
    }
    const returnUrl = `${o.origin}${acsPath(c.id)}`;
    const relayState = await createFlow(deps.redis, { ...base, returnUrl });
    const location = await samlProvider(deps.redis, c, returnUrl).getAuthorizeUrlAsync(
      relayState,
      undefined,
      {},
    );
    return { location, binding };
  } catch (err) {
    if (err instanceof IdpUnreachable) {
      await markIdpDown(deps, tenant.id, c.id);
      await fail(deps, tenant.id, meta, c.id, 'idp_unreachable');
      throw new QuireError('unavailable', 'the identity provider does not answer');
    }
    throw err;
  }
}

/** The flow named by a state/RelayState, checked against the route, the edge's tenant and the browser. */
async function flowFor(
  deps: CellDeps,
  o: {
    token: string | null | undefined;
    connectionId: string;
    edgeTenantId: string | null;
    binding: string | undefined;
  },
  protocol: 'oidc' | 'saml',
  meta: Meta,
): Promise<Flow> {
  const tenantHint = o.token?.split('.')[0] ?? '';
  const flow = o.token ? await takeFlow(deps.redis, o.token) : null;
  // Whose audit trail records a refusal: the flow's tenant, else the edge's, else the one the
  // token names (when it is homed here).
  const tenantId =
    flow?.tenantId ?? o.edgeTenantId ?? (TENANT_ID_PATTERN.test(tenantHint) ? tenantHint : null);
  const reason = !flow
    ? 'state'
    : flow.protocol !== protocol || flow.connectionId !== o.connectionId || flow.tenantId !== tenantHint
      ? 'state_mismatch'
      : o.edgeTenantId && o.edgeTenantId !== flow.tenantId
        ? 'other_tenant'
        : !o.binding || bindingHash(o.binding) !== flow.binding
          ? 'browser_binding'
          : null;
  if (reason) {
    if (tenantId && (await deps.tenants.get(tenantId)))
      await fail(deps, tenantId, meta, o.connectionId, reason);
    throw refused();
  }
  return flow!;
}

async function signIn(
  deps: CellDeps,
  flow: Flow,
  c: ConnectionRow,
  identity: AssertedIdentity & { idpMfa: boolean },
  meta: Meta,
): Promise<LoginOutcome> {
  const tenant = await activeTenant(deps, flow.tenantId);
  let resolved: Awaited<ReturnType<typeof resolveSsoUser>>;
  try {
    resolved = await withTenantTx(deps.db, tenant.id, async (tx) => {
      const r = await resolveSsoUser(tx, c, identity, tenant.limits);
      if (r.created)
        await auditInTx(tx, tenant.id, meta, r.user.id, {
          action: 'user.created',
          resourceType: 'user',
          resourceId: r.user.id,
          details: { role: r.user.role, via: 'sso_jit', connectionId: c.id },
        });
      else if (Object.keys(r.changes).length > 0)
        await auditInTx(tx, tenant.id, meta, r.user.id, {
          action: 'user.updated',
          resourceType: 'user',
          resourceId: r.user.id,
          details: { ...r.changes, via: 'sso', connectionId: c.id },
        });
      return r;
    });
  } catch (err) {
    if (err instanceof SsoAccountRefused) {
      await fail(deps, tenant.id, meta, c.id, err.reason);
      throw refused();
    }
    throw err;
  }
  return completeLogin(
    deps,
    {
      tenant,
      user: resolved.user,
      authMethod: c.protocol,
      amr: ['sso'],
      idpMfa: identity.idpMfa,
      connectionId: c.id,
      kind: 'cookie',
    },
    meta,
  );
}

/** The OIDC redirect back: state, browser binding, code exchange and ID token validation, then the user. */
export async function completeOidc(
  deps: CellDeps,
  o: {
    connectionId: string;
    edgeTenantId: string | null;
    query: URLSearchParams;
    binding: string | undefined;
  },
  meta: Meta,
): Promise<{ outcome: LoginOutcome; returnTo: string }> {
  const flow = await flowFor(deps, { ...o, token: o.query.get('state') }, 'oidc', meta);
  const c = await enabledConnection(deps, flow.tenantId, flow.connectionId);
  if (o.query.has('error')) {
    await fail(deps, flow.tenantId, meta, c.id, 'idp_error');
    throw refused();
  }
  let claims: Record<string, unknown>;
  try {
    const config = await oidcConfiguration(deps, c);
    claims = await exchangeCode(config, new URL(`${flow.returnUrl}?${o.query}`), {
      state: o.query.get('state')!,
      nonce: flow.nonce!,
      codeVerifier: flow.codeVerifier!,
    });
  } catch (err) {
    if (err instanceof IdpUnreachable) {
      await markIdpDown(deps, flow.tenantId, c.id);
      await fail(deps, flow.tenantId, meta, c.id, 'idp_unreachable');
      throw new QuireError('unavailable', 'the identity provider does not answer');
    }
    const reason = codeOf(err);
    if (reason === 'key_selection') forgetConfiguration(c);
    await fail(deps, flow.tenantId, meta, c.id, `id_token:${reason}`);
    throw refused();
  }
  const amr = asStrings(claims.amr);
  const outcome = await signIn(
    deps,
    flow,
    c,
    {
      subject: String(claims.sub ?? ''),
      claims,
      emailVerified: claims.email_verified !== false,
      idpMfa: amr.some((v) => MFA_AMR.includes(v)),
    },
    meta,
  );
  return { outcome, returnTo: flow.returnTo };
}

/** The SAML POST back: RelayState, browser binding, then the signed assertion and the user. */
export async function completeSaml(
  deps: CellDeps,
  o: {
    connectionId: string;
    edgeTenantId: string | null;
    samlResponse: string | undefined;
    relayState: string | undefined;
    binding: string | undefined;
  },
  meta: Meta,
): Promise<{ outcome: LoginOutcome; returnTo: string }> {
  if (!o.samlResponse) throw new BadRequest('SAMLResponse is required');
  const flow = await flowFor(deps, { ...o, token: o.relayState }, 'saml', meta);
  const c = await enabledConnection(deps, flow.tenantId, flow.connectionId);
  let asserted: Awaited<ReturnType<typeof validateSamlResponse>>;
  try {
    asserted = await validateSamlResponse(deps.redis, samlProvider(deps.redis, c, flow.returnUrl), c, {
      samlResponse: o.samlResponse,
      relayState: o.relayState!,
      acsUrl: flow.returnUrl,
    });
  } catch (err) {
    await fail(
      deps,
      flow.tenantId,
      meta,
      c.id,
      err instanceof SamlRefused ? `assertion:${err.reason}` : 'assertion',
    );
    throw refused();
  }
  const outcome = await signIn(
    deps,
    flow,
    c,
    {
      subject: asserted.subject,
      claims: { ...asserted.attributes, email: asserted.attributes.email ?? asserted.subject },
      emailVerified: true,
      idpMfa: asserted.idpMfa,
    },
    meta,
  );
  return { outcome, returnTo: flow.returnTo };
}

/** SP metadata for the tenant's IdP admin: entity id, ACS URL, signed assertions wanted. */
export async function spMetadata(
  deps: CellDeps,
  o: { tenantId: string; connectionId: string; origin: string },
) {
  const tenant = await activeTenant(deps, o.tenantId);
  const c = await withTenantTx(deps.db, tenant.id, (tx) => findConnection(tx, tenant.id, o.connectionId));
  if (c.protocol !== 'saml') throw new BadRequest('not a SAML connection');
  return samlProvider(deps.redis, c, `${o.origin}${acsPath(c.id)}`).generateServiceProviderMetadata(
    null,
    null,
  );
}

function codeOf(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string };
  const text = `${e?.code ?? ''} ${e?.message ?? ''}`.toLowerCase();
  if (text.includes('key_selection') || text.includes('no applicable keys')) return 'key_selection';
  if (text.includes('signature')) return 'signature';
  if (text.includes('"exp"') || text.includes('expired') || text.includes('timestamp')) return 'expired';
  if (text.includes('"aud"') || text.includes('audience')) return 'audience';
  if (text.includes('"iss"') || text.includes('issuer')) return 'issuer';
  if (text.includes('nonce')) return 'nonce';
  if (text.includes('alg')) return 'algorithm';
  return String(e?.code ?? e?.name ?? 'invalid').slice(0, 60);
}
