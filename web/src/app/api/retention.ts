import { useQuery } from '@tanstack/react-query';
import type { components } from './cell-api';
import { api, queryClient } from './client.ts';
import { unwrap } from './errors.ts';

/**
 * Retention policies (admins): documents of a folder, a tag or a type are kept a number of days
 * after creation or their last change, then trashed or deleted for good. A dry run lists what a
 * run would remove now, and what legal holds keep. A policy is changed in place (not its scope).
 */
export type CreateRetentionPolicy = components['schemas']['CreateRetentionPolicy'];
export type RetentionScope = components['schemas']['RetentionScope'];
export type RetentionPlan = components['schemas']['RetentionPlan'];

export type RetentionPolicy = components['schemas']['RetentionPolicy'];
export type UpdateRetentionPolicy = components['schemas']['UpdateRetentionPolicy'];

const key = ['retention-policies'] as const;

export function usePolicies() {
  return useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET('/v1/retention-policies')).items,
  });
}

export async function createPolicy(input: CreateRetentionPolicy): Promise<RetentionPolicy> {
  const policy = unwrap(await api.POST('/v1/retention-policies', { body: input }));
  await queryClient.invalidateQueries({ queryKey: key });
  return policy;
}

export async function updatePolicy(id: string, change: UpdateRetentionPolicy): Promise<RetentionPolicy> {
  const policy = unwrap(
    await api.PATCH('/v1/retention-policies/{id}', { params: { path: { id } }, body: change }),
  );
  await queryClient.invalidateQueries({ queryKey: key });
  return policy;
}

export async function deletePolicy(id: string): Promise<void> {
  unwrap(await api.DELETE('/v1/retention-policies/{id}', { params: { path: { id } } }));
  await queryClient.invalidateQueries({ queryKey: key });
}

export async function dryRun(id: string): Promise<RetentionPlan> {
  return unwrap(await api.POST('/v1/retention-policies/{id}/dry-run', { params: { path: { id } } }));
}

/** Runs the policy now: removes what its dry run lists at this moment. */
export async function runNow(id: string): Promise<RetentionPlan> {
  const plan = unwrap(await api.POST('/v1/retention-policies/{id}/run', { params: { path: { id } } }));
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: key }),
    queryClient.invalidateQueries({ queryKey: ['documents'] }),
    queryClient.invalidateQueries({ queryKey: ['folders'] }),
  ]);
  return plan;
}
