import type { components } from './cell-api';
import { api, authorisedFetch, queryClient } from './client.ts';
import { unwrap } from './errors.ts';

/**
 * Bulk jobs on a selection (move, trash, restore, tag, export as a zip): started once (an
 * idempotency key per request), run by the cell in the background as their creator; progress
 * is polled here (and pushed over the live channel).
 */
export type CreateBulkJob = components['schemas']['CreateBulkJob'];
/** A bulk request without its items (one shape per kind: move needs its destination, tag its tags). */
export type BulkRequest = CreateBulkJob extends infer T
  ? T extends unknown
    ? Omit<T, 'items'>
    : never
  : never;
export type BulkJob = components['schemas']['BulkJob'];

export const isFinished = (j: BulkJob) => j.finishedAt !== null || j.pending === 0;

export async function startBulkJob(input: CreateBulkJob): Promise<BulkJob> {
  return unwrap(
    await api.POST('/v1/bulk-jobs', {
      params: { header: { 'idempotency-key': crypto.randomUUID() } },
      body: input,
    }),
  );
}

export async function getBulkJob(id: string): Promise<BulkJob> {
  return unwrap(await api.GET('/v1/bulk-jobs/{id}', { params: { path: { id } } }));
}

export async function cancelBulkJob(id: string): Promise<void> {
  unwrap(await api.POST('/v1/bulk-jobs/{id}/cancel', { params: { path: { id } } }));
}

/** The export's zip, fetched with the Authorization header and handed over as an object URL. */
export async function downloadBulkResult(id: string): Promise<void> {
  const res = await authorisedFetch(`/v1/bulk-jobs/${id}/result`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = 'export.zip';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** After a job: the lists it changed. */
export async function afterBulkJob(): Promise<void> {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: ['folders'] }),
    queryClient.invalidateQueries({ queryKey: ['documents'] }),
  ]);
}
