import { QueryClient } from '@tanstack/react-query';
import createClient from 'openapi-fetch';
import type { paths } from './cell-api';
import { ApiError } from './errors.ts';
import { accessToken, signOut } from './session.ts';

/**
 * The typed client of the cell API (generated from its OpenAPI document: cell-api.d.ts, kept
 * current by `npm run gen:api` and checked by `npm run check`). Same origin: the edge routes
 * `/v1/*` to the tenant's home cell. Every call carries the access token in the Authorization
 * header, never in a URL. The capability modules beside this file are the only callers.
 */
export const api = createClient<paths>({ baseUrl: location.origin });

api.use({
  async onRequest({ request }) {
    const token = await accessToken();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
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
  const token = await accessToken();
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
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
