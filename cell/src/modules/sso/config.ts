import { z } from '@hono/zod-openapi';
import { BadRequest } from '@quire/shared/errors';
import { TENANT_ROLES, type TenantRole } from '@quire/shared/tenancy';
import { XMLParser } from 'fast-xml-parser';

/**
 * How a connection maps what the IdP asserts onto Quire: which claim (OIDC) or attribute
 * (SAML) carries email, name, role and groups; which values make an admin, an editor, a
 * viewer; which IdP groups are which Quire groups. Values, never code.
 */
export const mappingSchema = z
  .object({
    emailClaim: z.string().min(1).max(200).default('email'),
    nameClaim: z.string().min(1).max(200).default('name'),
    roleClaim: z.string().min(1).max(200).optional().describe('Claim/attribute whose values decide the role'),
    roles: z
      .object({
        admin: z.array(z.string().max(200)).max(50).default([]),
        editor: z.array(z.string().max(200)).max(50).default([]),
        viewer: z.array(z.string().max(200)).max(50).default([]),
      })
      .partial()
      .default({}),
    defaultRole: z.enum(TENANT_ROLES).default('viewer').describe('Role of a new user no role value matches'),
    groupsClaim: z.string().min(1).max(200).optional(),
    groups: z
      .record(z.string().max(200), z.string().regex(/^grp_[0-9a-z]{25}$/))
      .default({})
      .describe('IdP group value → Quire group id; memberships follow the IdP on every login'),
  })
  .strict()
  .openapi('SsoMapping');
export type Mapping = z.infer<typeof mappingSchema>;

export const oidcSettingsSchema = z
  .object({
    issuer: z.url().max(500).describe('The IdP issuer; its discovery document and keys are fetched from it'),
    clientId: z.string().min(1).max(500),
    clientSecret: z
      .string()
      .min(1)
      .max(2000)
      .optional()
      .describe('Stored encrypted under the tenant key; never returned'),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/))
      .max(20)
      .default(['openid', 'email', 'profile']),
  })
  .strict();

export const samlSettingsSchema = z
  .object({
    idpMetadataXml: z.string().min(50).max(200_000).optional().describe('The IdP metadata document'),
    idpEntityId: z.string().min(1).max(500).optional(),
    idpSsoUrl: z.url().max(2000).optional().describe('HTTP-Redirect SingleSignOnService location'),
    idpCertificates: z
      .array(z.string().min(100).max(20_000))
      .max(5)
      .optional()
      .describe('Signing certificates (PEM or base64 DER)'),
  })
  .strict();

export interface OidcConfig {
  issuer: string;
  clientId: string;
  scopes: string[];
}
export interface SamlConfig {
  idpEntityId: string;
  idpSsoUrl: string;
  idpCertificates: string[];
}

/** The role the IdP's values give, or null when no rule matches (the caller applies the default). */
export function mappedRole(mapping: Mapping, claims: Record<string, unknown>): TenantRole | null {
  if (!mapping.roleClaim) return null;
  const values = asStrings(claims[mapping.roleClaim]);
  for (const role of ['admin', 'editor', 'viewer'] as const)
    if ((mapping.roles[role] ?? []).some((v) => values.includes(v))) return role;
  return null;
}

export function asStrings(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

const B64_CERT = /^[A-Za-z0-9+/=\s]+$/;

/** A certificate as node-saml takes it: the base64 body, no PEM armour or whitespace. */
export function certBody(cert: string): string {
  const body = cert.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  if (!B64_CERT.test(body) || body.length < 100)
    throw new BadRequest('a certificate is not PEM or base64 DER');
  return body;
}

/** The parts of IdP metadata a service provider needs: entity id, redirect SSO URL, signing certificates. */
export function parseIdpMetadata(xml: string): SamlConfig {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    processEntities: false,
    isArray: (name) =>
      ['IDPSSODescriptor', 'SingleSignOnService', 'KeyDescriptor', 'X509Certificate'].includes(name),
  });
  // biome-ignore lint/suspicious/noExplicitAny: fast-xml-parser returns untyped plain objects; every read below is checked
  let doc: Record<string, any>;
  try {
    doc = parser.parse(xml);
  } catch {
    throw new BadRequest('the IdP metadata is not well-formed XML');
  }
  const entity = doc.EntityDescriptor ?? doc.EntitiesDescriptor?.EntityDescriptor;
  const idp = entity?.IDPSSODescriptor?.[0];
  if (!entity?.['@entityID'] || !idp) throw new BadRequest('the metadata has no IdP entity descriptor');
  const sso = (idp.SingleSignOnService ?? []).find(
    (s: Record<string, string>) => s['@Binding'] === 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  );
  if (!sso?.['@Location']) throw new BadRequest('the IdP offers no HTTP-Redirect SingleSignOnService');
  const certs: string[] = [];
  for (const kd of idp.KeyDescriptor ?? []) {
    if (kd['@use'] && kd['@use'] !== 'signing') continue;
    for (const c of kd.KeyInfo?.X509Data?.X509Certificate ?? []) {
      const text = typeof c === 'string' ? c : c?.['#text'];
      if (text) certs.push(certBody(String(text)));
    }
  }
  if (certs.length === 0) throw new BadRequest('the metadata has no signing certificate');
  return {
    idpEntityId: String(entity['@entityID']),
    idpSsoUrl: String(sso['@Location']),
    idpCertificates: certs,
  };
}

/**
 * The IdP's URLs: https only, and never a loopback, private or link-local address, unless the
 * cell runs with SSO_ALLOW_INSECURE_IDP (local stack, tests): the cell fetches these URLs, so
 * they must not reach into the cell's own network.
 */
export function assertIdpUrl(url: string, allowInsecure: boolean): void {
  if (allowInsecure) return;
  const u = new URL(url);
  if (u.protocol !== 'https:') throw new BadRequest('identity provider URLs must use https');
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.internal') ||
    /^(127\.|10\.|192\.168\.|169\.254\.|0\.)/.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host) ||
    /^(::1?|fc|fd|fe80:)/.test(host)
  )
    throw new BadRequest('identity provider URLs must be public');
}
