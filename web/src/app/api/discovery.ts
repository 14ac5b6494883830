import { ApiError } from './errors.ts';

/**
 * Tenant discovery on the bare hostname (`POST /v1/auth/discover`, answered by the edge, not a
 * cell: so not in the cell's typed client): which organisation signs in people of a work
 * email's domain. The edge keeps only the domain; the email itself is never stored or logged.
 */
export interface Discovered {
  /** The organisation's slug. */
  tenant: string;
  /** Where it signs in: its hostname, or its region's for a strict-residency organisation. */
  loginUrl: string;
}

export async function discoverOrganisation(email: string): Promise<Discovered> {
  const res = await fetch('/v1/auth/discover', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
    credentials: 'omit',
  });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  return (await res.json()) as Discovered;
}

/**
 * The organisation's sign-in page from the edge's answer. The edge names the hostname without a
 * port; a deployment on a non-default port (local development, tests) keeps the page's own.
 */
export function signInPageOf(d: Discovered): string {
  const url = new URL('/sign-in', d.loginUrl);
  if (!url.port && location.port && url.protocol === location.protocol) url.port = location.port;
  return url.href;
}
