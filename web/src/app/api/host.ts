/**
 * Where the app runs, as the edge told it in `<meta name="quire-host" content="served region slug">`:
 * the served hostname (`quire.example`, `eu.quire.example`), its region (`global`, `eu`) and the
 * tenant slug of the hostname (`acme` on `acme.quire.example`), if any. Sign-in needs a tenant:
 * without a slug the app asks for the organisation and moves to `<slug>.<served>`, where the edge
 * redirects a strict-residency organisation to its region's hostname.
 */
export interface AppHost {
  served: string;
  region: string;
  slug: string | null;
}

export function appHost(): AppHost {
  const content = document.querySelector('meta[name="quire-host"]')?.getAttribute('content');
  if (content) {
    const [served = location.hostname, region = 'global', slug = ''] = content.split(' ');
    return { served, region, slug: slug || null };
  }
  // Not behind the edge (vite dev server): no slug known.
  return { served: location.hostname, region: 'global', slug: null };
}

/** The organisation's own hostname, same scheme and port: `acme.quire.example`. */
export function organisationUrl(slug: string, path = '/sign-in'): string {
  const { served } = appHost();
  const port = location.port ? `:${location.port}` : '';
  return `${location.protocol}//${slug}.${served}${port}${path}`;
}

export const SLUG = /^[a-z0-9][a-z0-9-]{1,39}$/;
