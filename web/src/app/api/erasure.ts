import { useQuery } from '@tanstack/react-query';
import type { components } from './cell-api';
import { api, queryClient } from './client.ts';
import { unwrap } from './errors.ts';

/**
 * Erasure requests, the right to be forgotten (admins): the worker erases the person from Redis,
 * the search index, blobs and Postgres in that order, then queries each store and keeps the proof.
 * A custodian under legal hold is not erased: the request is `held` until the hold is released.
 * Once completed, the request no longer names the person (`userId` is null).
 */
export type CreateErasureRequest = components['schemas']['CreateErasureRequest'];
export type ErasureRequest = components['schemas']['ErasureRequest'];
export type ErasureStatus = ErasureRequest['status'];
/** One store's check after the erasure: what was looked at (never the values) and what was found. */
export type StoreProof = NonNullable<ErasureRequest['proof']>['stores'][number];
export const ERASURE_STORES = [
  'redis',
  'search',
  'blobs',
  'postgres',
] as const satisfies StoreProof['store'][];

const key = ['erasure-requests'] as const;
const open = (items: ErasureRequest[]) => items.some((r) => r.status === 'pending' || r.status === 'running');

/** The requests, newest first; polled while one is pending or running. */
export function useErasures() {
  return useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET('/v1/erasure-requests')).items,
    refetchInterval: (q) => (q.state.data && open(q.state.data) ? 1500 : false),
  });
}

export async function requestErasure(input: CreateErasureRequest): Promise<ErasureRequest> {
  const r = unwrap(await api.POST('/v1/erasure-requests', { body: input }));
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: key }),
    queryClient.invalidateQueries({ queryKey: ['users'] }),
  ]);
  return r;
}
