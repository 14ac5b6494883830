import { QueryClient } from '@tanstack/react-query';
import createClient from 'openapi-fetch';
import { useSyncExternalStore } from 'react';
import type { components, paths } from './control-plane-api';

/**
 * The control plane's admin API, typed from its OpenAPI document (control-plane-api.d.ts,
 * generated and drift-checked like the app's). Authorised by the ops token the person enters:
 * held in memory only (never stored, never in a URL), so the page has that token's role
 * (support, sales-ops or platform-admin), exactly as the CLI.
 */
export type Tenant = components['schemas']['Tenant'];
export type Cell = components['schemas']['Cell'];
export type Job = components['schemas']['ProvisioningJob'];
export type CreateTenant = components['schemas']['CreateTenant'];
export type OpsAction = components['schemas']['OpsCaller']['actions'][number];

let token: string | null = null;
const listeners = new Set<() => void>();
export const setOpsToken = (value: string | null) => {
  token = value;
  for (const l of listeners) l();
};
export const useOpsToken = () =>
  useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => token,
  );

export const api = createClient<paths>({ baseUrl: location.origin });
api.use({
  onRequest({ request }) {
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) setOpsToken(null);
    return response;
  },
});

export class OpsError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, body: unknown) {
    const e = (body as { error?: { code?: string; message?: string; details?: unknown } })?.error;
    super(e?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = e?.code ?? 'http_error';
    this.details = e?.details;
  }
}

export function unwrap<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.error !== undefined || !r.response.ok) throw new OpsError(r.response.status, r.error);
  return r.data as T;
}

export const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 2_000 } },
});
