import { useQuery } from '@tanstack/react-query';
import { api, type CreateTenant, queryClient, unwrap } from './client.ts';

/**
 * Tenants: list, create into a region (plan, tier, residency, first admin), progress, plan, flags,
 * suspend, resume, offboard and reactivate.
 */
export function useTenants() {
  return useQuery({
    queryKey: ['tenants'],
    queryFn: async () => unwrap(await api.GET('/v1/admin/tenants', { params: { query: { limit: 500 } } })),
  });
}

/** One tenant; polled every second while it is provisioning (the saga's steps, live). */
export function useTenant(idOrSlug: string) {
  return useQuery({
    queryKey: ['tenants', idOrSlug],
    queryFn: async () =>
      unwrap(await api.GET('/v1/admin/tenants/{idOrSlug}', { params: { path: { idOrSlug } } })),
    refetchInterval: (q) => (q.state.data?.tenant.status === 'provisioning' ? 1_000 : false),
  });
}

export function useTenantFlags(idOrSlug: string) {
  return useQuery({
    queryKey: ['tenants', idOrSlug, 'flags'],
    queryFn: async () =>
      unwrap(await api.GET('/v1/admin/tenants/{idOrSlug}/flags', { params: { path: { idOrSlug } } })),
  });
}

export function usePlans() {
  return useQuery({
    queryKey: ['plans'],
    staleTime: 60_000,
    queryFn: async () => unwrap(await api.GET('/v1/admin/plans')).plans,
  });
}

const refresh = () => queryClient.invalidateQueries({ queryKey: ['tenants'] });

export async function createTenant(body: CreateTenant) {
  const result = unwrap(
    await api.POST('/v1/admin/tenants', {
      body,
      params: { header: { 'idempotency-key': crypto.randomUUID() } },
    }),
  );
  await refresh();
  return result;
}

export async function setStatus(idOrSlug: string, verb: 'suspend' | 'resume') {
  const params = { params: { path: { idOrSlug } } };
  unwrap(
    verb === 'suspend'
      ? await api.POST('/v1/admin/tenants/{idOrSlug}/suspend', params)
      : await api.POST('/v1/admin/tenants/{idOrSlug}/resume', params),
  );
  await refresh();
}

export async function setPlan(idOrSlug: string, plan: CreateTenant['plan']) {
  unwrap(
    await api.PUT('/v1/admin/tenants/{idOrSlug}/plan', { params: { path: { idOrSlug } }, body: { plan } }),
  );
  await refresh();
}

export async function setFlag(idOrSlug: string, key: string, value: boolean | number | string | null) {
  unwrap(
    await api.PUT('/v1/admin/tenants/{idOrSlug}/flags', {
      params: { path: { idOrSlug } },
      body: { flags: { [key]: value } },
    }),
  );
  await refresh();
}

/**
 * Starts offboarding: the home cell must agree (409 legal_hold while a hold is active; 503 when
 * it cannot be reached), then the tenant is read-only until `offboarding.deleteAfter`, when it
 * is deleted. The cell makes the customer's export (`exportId`). Again on an offboarding tenant:
 * no change.
 */
export async function offboard(idOrSlug: string) {
  const result = unwrap(
    await api.POST('/v1/admin/tenants/{idOrSlug}/offboard', { params: { path: { idOrSlug } } }),
  );
  await refresh();
  return result;
}

/** Ends an offboarding during its grace period: the tenant is active (and writable) again. */
export async function reactivate(idOrSlug: string) {
  unwrap(await api.POST('/v1/admin/tenants/{idOrSlug}/reactivate', { params: { path: { idOrSlug } } }));
  await refresh();
}
