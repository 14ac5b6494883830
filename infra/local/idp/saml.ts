import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { selfSignedCertificate } from './cert.ts';

/**
 * A SAML 2.0 identity provider for local development and the test suite, built on xml-crypto
 * (the XML signature library node-saml itself uses): HTTP-Redirect AuthnRequests in, a login
 * form (any email signs in; the form carries name, groups and whether the login was
 * multi-factor), and a signed assertion POSTed back to the requesting SP's ACS. It stands in
 * for a customer's IdP on 127.0.0.1 only.
 *
 * `faults.next` makes the next response deliberately wrong (unsigned, tampered after signing,
 * signed by another key, expired, not yet valid, for another audience or recipient, another
 * issuer, or answering a request the SP never sent), for tests of the service provider.
 */
export type SamlFault =
  | 'unsigned'
  | 'tampered'
  | 'wrong_key'
  | 'expired'
  | 'not_yet_valid'
  | 'audience'
  | 'recipient'
  | 'issuer'
  | 'in_response_to';

export interface SamlIdp {
  entityId: string;
  ssoUrl: string;
  metadataXml: string;
  certificatePem: string;
  faults: { next: SamlFault | null };
  close(): Promise<void>;
}

interface Pending {
  requestId: string;
  acsUrl: string;
  audience: string;
  relayState: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const xmlId = () => `_${randomBytes(16).toString('hex')}`;
const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sign(xml: string, key: { privateKeyPem: string; certificatePem: string }): string {
  const sig = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: "//*[local-name(.)='Assertion']",
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
  });
  sig.computeSignature(xml, {
    location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
  });
  return sig.getSignedXml();
}

export async function startSamlIdp(
  o: { port?: number; host?: string; name?: string } = {},
): Promise<SamlIdp> {
  const host = o.host ?? '127.0.0.1';
  const key = selfSignedCertificate(o.name ?? 'Local SAML IdP');
  const stranger = selfSignedCertificate('Someone else');
  const pending = new Map<string, Pending>();
  const faults: SamlIdp['faults'] = { next: null };
  let base = '';

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', base);
      if (url.pathname === '/metadata') {
        res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(idp.metadataXml);
        return;
      }
      if (url.pathname === '/sso' && req.method === 'GET') {
        const raw = url.searchParams.get('SAMLRequest');
        if (!raw) {
          res.writeHead(400).end('SAMLRequest required');
          return;
        }
        const doc = new DOMParser().parseFromString(
          inflateRawSync(Buffer.from(raw, 'base64')).toString('utf8'),
          'text/xml',
        );
        const request = doc.documentElement!;
        const issuer = request.getElementsByTagNameNS(ASSERTION, 'Issuer')[0]?.textContent ?? '';
        const key = randomBytes(12).toString('hex');
        pending.set(key, {
          requestId: request.getAttribute('ID') ?? '',
          acsUrl: request.getAttribute('AssertionConsumerServiceURL') ?? '',
          audience: issuer,
          relayState: url.searchParams.get('RelayState') ?? '',
        });
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
          `<!doctype html><title>Local SAML IdP</title><form method="post" action="/sso/login">
<input type="hidden" name="key" value="${key}">
<label>Email <input name="email"></label><label>Name <input name="name"></label>
<label>Groups <input name="groups"></label><label><input type="checkbox" name="mfa"> MFA</label>
<button>Sign in</button></form>`,
        );
        return;
      }
      if (url.pathname === '/sso/login' && req.method === 'POST') {
        const form = await readForm(req);
        const p = pending.get(form.get('key') ?? '');
        const email = (form.get('email') ?? '').trim().toLowerCase();
        if (!p || !email) {
          res.writeHead(400).end('unknown request or no email');
          return;
        }
        pending.delete(form.get('key')!);
        const response = buildResponse(p, {
          email,
          name: form.get('name') || email,
          groups: (form.get('groups') ?? '')
            .split(',')
            .map((g) => g.trim())
            .filter(Boolean),
          mfa: form.get('mfa') === 'on',
        });
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
          `<!doctype html><title>Signing in</title><form method="post" action="${esc(p.acsUrl)}">
<input type="hidden" name="SAMLResponse" value="${Buffer.from(response).toString('base64')}">
<input type="hidden" name="RelayState" value="${esc(p.relayState)}">
<noscript><button>Continue</button></noscript></form><script>document.forms[0].submit()</script>`,
        );
        return;
      }
      res.writeHead(404).end('not found');
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String((err as Error).message));
    }
  });

  function buildResponse(
    p: Pending,
    u: { email: string; name: string; groups: string[]; mfa: boolean },
  ): string {
    const fault = faults.next;
    faults.next = null;
    const now = Date.now();
    const notBefore = fault === 'not_yet_valid' ? now + 3600_000 : now - 60_000;
    const notOnOrAfter = fault === 'expired' ? now - 3600_000 : now + 5 * 60_000;
    const issueInstant = fault === 'expired' ? now - 2 * 3600_000 : now;
    const inResponseTo = fault === 'in_response_to' ? xmlId() : p.requestId;
    const recipient = fault === 'recipient' ? 'https://evil.example/acs' : p.acsUrl;
    const audience = fault === 'audience' ? 'urn:quire:sp:someone-else' : p.audience;
    const issuer = fault === 'issuer' ? 'https://evil.example/idp' : idp.entityId;
    const context = u.mfa
      ? 'https://refeds.org/profile/mfa'
      : 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
    const attr = (name: string, values: string[]) =>
      `<saml:Attribute Name="${name}">${values.map((v) => `<saml:AttributeValue>${esc(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`;
    const assertion =
      `<saml:Assertion xmlns:saml="${ASSERTION}" ID="${xmlId()}" Version="2.0" IssueInstant="${iso(issueInstant)}">` +
      `<saml:Issuer>${esc(issuer)}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(u.email)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${inResponseTo}" NotOnOrAfter="${iso(notOnOrAfter)}" Recipient="${esc(recipient)}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${iso(notBefore)}" NotOnOrAfter="${iso(notOnOrAfter)}"><saml:AudienceRestriction><saml:Audience>${esc(audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${iso(issueInstant)}" SessionIndex="${xmlId()}"><saml:AuthnContext><saml:AuthnContextClassRef>${context}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      `<saml:AttributeStatement>${attr('email', [u.email])}${attr('name', [u.name])}${u.groups.length ? attr('groups', u.groups) : ''}</saml:AttributeStatement>` +
      '</saml:Assertion>';
    const response =
      `<samlp:Response xmlns:samlp="${PROTOCOL}" xmlns:saml="${ASSERTION}" ID="${xmlId()}" Version="2.0" IssueInstant="${iso(now)}" Destination="${esc(recipient)}" InResponseTo="${inResponseTo}">` +
      `<saml:Issuer>${esc(issuer)}</saml:Issuer>` +
      '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
      `${assertion}</samlp:Response>`;
    if (fault === 'unsigned') return response;
    const signed = sign(response, fault === 'wrong_key' ? stranger : key);
    return fault === 'tampered' ? signed.replace(`>${esc(u.email)}<`, '>ceo@victim.example<') : signed;
  }

  await new Promise<void>((ok) => server.listen(o.port ?? 0, host, ok));
  base = `http://${host}:${(server.address() as AddressInfo).port}`;
  const idp: SamlIdp = {
    entityId: `${base}/metadata`,
    ssoUrl: `${base}/sso`,
    certificatePem: key.certificatePem,
    faults,
    metadataXml:
      `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${base}/metadata">` +
      '<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">' +
      `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${key.certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
      '<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>' +
      `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${base}/sso"/>` +
      '</md:IDPSSODescriptor></md:EntityDescriptor>',
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
  return idp;
}
