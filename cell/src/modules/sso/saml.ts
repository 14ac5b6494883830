import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { XMLParser } from 'fast-xml-parser';
import type { Redis } from 'ioredis';
import { firstUseOfAssertion, samlRequestCache } from './flow.ts';
import { type ConnectionRow, samlConfigOf, spEntityId } from './repo.ts';

/** Clock skew tolerated on NotBefore / NotOnOrAfter. */
export const SAML_CLOCK_SKEW_MS = 60_000;
/** An assertion older than this (IssueInstant) is refused whatever its NotOnOrAfter says. */
const MAX_ASSERTION_AGE_MS = 5 * 60_000;

/** AuthnContext classes that mean the IdP itself did more than one factor. */
const MFA_CONTEXTS = [
  'http://schemas.microsoft.com/claims/multipleauthn',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken',
  'https://refeds.org/profile/mfa',
];

/**
 * A node-saml service provider for one connection: entity id bound to the tenant and
 * connection, signed assertions required (against the IdP certificates configured for this
 * connection only), audience, timestamps within the skew, and InResponseTo matched against
 * the requests this cell sent for this connection (kept in Redis, each usable once).
 */
export function samlProvider(redis: Redis, c: ConnectionRow, acsUrl: string): SAML {
  const cfg = samlConfigOf(c);
  return new SAML({
    callbackUrl: acsUrl,
    entryPoint: cfg.idpSsoUrl,
    issuer: spEntityId(c.tenantId, c.id),
    audience: spEntityId(c.tenantId, c.id),
    idpIssuer: cfg.idpEntityId,
    idpCert: cfg.idpCertificates,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: 10 * 60_000,
    cacheProvider: samlRequestCache(redis, c.tenantId, c.id),
    acceptedClockSkewMs: SAML_CLOCK_SKEW_MS,
    maxAssertionAgeMs: MAX_ASSERTION_AGE_MS,
    identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    disableRequestedAuthnContext: true,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
  });
}

export interface SamlIdentity {
  subject: string;
  attributes: Record<string, unknown>;
  idpMfa: boolean;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  processEntities: false,
  isArray: (name) => ['SubjectConfirmation', 'AuthnStatement'].includes(name),
});

export class SamlRefused extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`SAML response refused: ${reason}`);
    this.reason = reason;
  }
}

/**
 * Validates a SAML response with node-saml, then what node-saml leaves to us, on the assertion
 * it verified (never on the unsigned envelope): the issuer is this connection's IdP, the
 * subject confirmation's Recipient and the response's Destination are our ACS URL, and the
 * assertion is new (its id is remembered in Redis until it expires: a replay is refused).
 */
export async function validateSamlResponse(
  redis: Redis,
  saml: SAML,
  c: ConnectionRow,
  o: { samlResponse: string; relayState: string; acsUrl: string },
): Promise<SamlIdentity> {
  let result: Awaited<ReturnType<SAML['validatePostResponseAsync']>>;
  try {
    result = await saml.validatePostResponseAsync({ SAMLResponse: o.samlResponse, RelayState: o.relayState });
  } catch (err) {
    throw new SamlRefused(reasonOf(err));
  }
  const profile = result.profile;
  if (!profile || result.loggedOut) throw new SamlRefused('no assertion');
  const assertion = at(parser.parse(profile.getAssertionXml?.() ?? ''), 'Assertion');
  const response = at(parser.parse(profile.getSamlResponseXml?.() ?? ''), 'Response');
  if (!assertion) throw new SamlRefused('no assertion');
  const cfg = samlConfigOf(c);
  const issuerNode = at(assertion, 'Issuer');
  const issuer = typeof issuerNode === 'string' ? issuerNode : at(issuerNode, '#text');
  if (issuer !== cfg.idpEntityId) throw new SamlRefused('issuer');
  const confirmations = at(at(assertion, 'Subject'), 'SubjectConfirmation');
  const recipients = (Array.isArray(confirmations) ? confirmations : []).map((s) =>
    at(at(s, 'SubjectConfirmationData'), '@Recipient'),
  );
  if (!recipients.includes(o.acsUrl)) throw new SamlRefused('recipient');
  const destination = at(response, '@Destination');
  if (destination && destination !== o.acsUrl) throw new SamlRefused('destination');
  const id = at(assertion, '@ID');
  if (typeof id !== 'string' || !id) throw new SamlRefused('assertion id');
  const notOnOrAfter = Date.parse(String(at(at(assertion, 'Conditions'), '@NotOnOrAfter') ?? ''));
  const ttl = Number.isFinite(notOnOrAfter)
    ? Math.ceil((notOnOrAfter - Date.now() + SAML_CLOCK_SKEW_MS) / 1000)
    : 3600;
  if (!(await firstUseOfAssertion(redis, c.tenantId, id, ttl))) throw new SamlRefused('replayed');
  const statements = at(assertion, 'AuthnStatement');
  const contexts = (Array.isArray(statements) ? statements : []).map((s) =>
    at(at(s, 'AuthnContext'), 'AuthnContextClassRef'),
  );
  const attributes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(profile)) if (typeof v !== 'function') attributes[k] = v;
  return {
    subject: String(profile.nameID ?? ''),
    attributes,
    idpMfa: contexts.some((ctx: unknown) => typeof ctx === 'string' && MFA_CONTEXTS.includes(ctx)),
  };
}

/** A child of a parsed XML node (fast-xml-parser's plain objects), or undefined. */
function at(node: unknown, key: string): unknown {
  return node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
}

function reasonOf(err: unknown): string {
  const m = String((err as Error)?.message ?? '').toLowerCase();
  if (m.includes('signature')) return 'signature';
  if (m.includes('inresponseto')) return 'in_response_to';
  if (m.includes('audience')) return 'audience';
  if (
    m.includes('expired') ||
    m.includes('notonorafter') ||
    m.includes('not yet valid') ||
    m.includes('too old') ||
    // node-saml: no subject confirmation whose NotBefore/NotOnOrAfter holds now
    m.includes('no valid subject confirmation')
  )
    return 'expired';
  if (m.includes('issuer')) return 'issuer';
  if (m.includes('status')) return 'idp_status';
  return 'invalid';
}
