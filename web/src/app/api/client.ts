import { QueryClient } from '@tanstack/react-query';
import createClient from 'openapi-fetch';
import type { paths } from './cell-api';
import { ApiError } from './errors.ts';
import { authHeaders, signOut } from './session.ts';

/**
 * The typed client of the cell API (generated from its OpenAPI document: cell-api.d.ts, kept
 * current by `npm run gen:api` and checked by `npm run check`). Same origin: the edge routes
 * `/v1/*` to the tenant's home cell. Every call carries the session's credential in a header
 * (the access token, or beside a cookie session's cookie its CSRF token), never in a URL. The
 * capability modules beside this file are the only callers.
 */
export const api = createClient<paths>({ baseUrl: location.origin });

api.use({
  async onRequest({ request }) {
    for (const [name, value] of Object.entries(await authHeaders())) request.headers.set(name, value);
    return request;
  },
  async onResponse({ response }) {
    // The session ended (revoked, expired refresh): back to sign-in.
    if (response.status === 401) signOut();
    return response;
  },
});

/** An authorised fetch for what the typed client does not parse (binary downloads, previews). */
export async function authorisedFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(await authHeaders())) headers.set(name, value);
  const res = await fetch(path, { ...init, headers });
  if (!res.ok) {
    if (res.status === 401) signOut();
    throw new ApiError(res.status, await res.json().catch(() => null));
  }
  return res;
}

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      retry: (count, err) => count < 2 && !(err instanceof ApiError && err.status < 500),
      refetchOnWindowFocus: false,
    },
  },
});
