import { z } from 'zod';

/**
 * Tenant discovery on the bare hostname: a user types an email, the edge keeps only its domain
 * and asks the control plane which tenant verified that company domain. The control plane
 * holds verified domains (company data, like a tenant's display name), never an email.
 */
const DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/**
 * What a request may send as a domain (any case, an optional final dot), as one pattern for
 * the OpenAPI document: normalizeDomain() accepts exactly these.
 */
export const DOMAIN_INPUT_PATTERN =
  '^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]\\.?$';

/** A lowercase DNS name with at least two labels, or null. */
export function normalizeDomain(value: string): string | null {
  const d = value.trim().toLowerCase().replace(/\.$/, '');
  return DOMAIN.test(d) ? d : null;
}

/** The domain of an email address (the local part is dropped here, at the edge), or null. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 1 || at !== email.indexOf('@') || email.length > 254) return null;
  return normalizeDomain(email.slice(at + 1));
}

/**
 * Mailbox providers anyone can sign up with: never a company's domain, never claimable (a
 * tenant claiming gmail.com would be offered to every Gmail user).
 */
export const PUBLIC_EMAIL_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'ymail.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'web.de',
  'mail.com',
  'yandex.com',
  'qq.com',
  '163.com',
]);

export const discoverRequestSchema = z.object({ domain: z.string().min(4).max(253) }).strict();

export const discoverResultSchema = z.object({
  tenant: z.object({
    id: z.string(),
    slug: z.string(),
    region: z.string(),
    strictResidency: z.boolean(),
  }),
});
export type DiscoverResult = z.infer<typeof discoverResultSchema>;

/** The TXT record that proves a tenant controls a domain: `_quire-verification.<domain>`. */
export const verificationRecordName = (domain: string) => `_quire-verification.${domain}`;
export const verificationRecordValue = (token: string) => `quire-verification=${token}`;
