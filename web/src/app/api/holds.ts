import { useQuery } from '@tanstack/react-query';
import type { components } from './cell-api';
import { api, queryClient } from './client.ts';
import { unwrap } from './errors.ts';

/**
 * Legal holds (admins): named holds over documents, folders (everything below them) and
 * custodians (what they authored; they cannot be erased). Held items cannot be trashed, deleted,
 * purged by retention or erased: the cell answers 409 with `details.reason = "legal_hold"` and
 * queues the request, carried out when the hold is released.
 */
export type CreateLegalHold = components['schemas']['CreateLegalHold'];

export type LegalHold = components['schemas']['LegalHold'];
export type HeldRequest = components['schemas']['HeldRequest'];
export type Released = components['schemas']['ReleasedLegalHold'];

const keys = { all: ['legal-holds'] as const, queue: ['legal-holds', 'queue'] as const };

export function useHolds() {
  return useQuery({
    queryKey: keys.all,
    queryFn: async () => unwrap(await api.GET('/v1/legal-holds')).items,
  });
}

/** What holds stopped: queued requests and, once released, what was resumed and how it went. */
export function useHeldRequests() {
  return useQuery({
    queryKey: keys.queue,
    queryFn: async () => unwrap(await api.GET('/v1/legal-holds/queue')).items,
  });
}

export async function createHold(input: CreateLegalHold): Promise<LegalHold> {
  const hold = unwrap(await api.POST('/v1/legal-holds', { body: input }));
  await queryClient.invalidateQueries({ queryKey: keys.all });
  return hold;
}

export async function releaseHold(id: string): Promise<Released> {
  const hold = unwrap(await api.POST('/v1/legal-holds/{id}/release', { params: { path: { id } } }));
  // Released holds resume what they queued: documents may have moved to the trash.
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: keys.all }),
    queryClient.invalidateQueries({ queryKey: ['documents'] }),
    queryClient.invalidateQueries({ queryKey: ['folders'] }),
    queryClient.invalidateQueries({ queryKey: ['erasure-requests'] }),
  ]);
  return hold;
}
