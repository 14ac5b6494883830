import { useQuery } from '@tanstack/react-query';
import type { components } from './cell-api';
import { api, authorisedFetch, queryClient } from './client.ts';
import { unwrap } from './errors.ts';

/**
 * Portability exports (GDPR): your own data, or (admins) anyone's or the whole tenant's, as a zip
 * of manifest.json, activity.json and the files. Asynchronous: started, polled for progress, then
 * downloaded with the Authorization header and handed over as an object URL (never a token in a
 * URL). The download works for 7 days. Importing an export is an operator's command, not an API.
 */
export type PortabilityExport = components['schemas']['PortabilityExport'];
export type CreateExport = components['schemas']['CreatePortabilityExport'];

const key = ['exports'] as const;
const running = (items: PortabilityExport[]) =>
  items.some((e) => e.status === 'queued' || e.status === 'running');

/** Yours; an admin's list holds every export of the tenant (newest 100). Polled while one runs. */
export function useExports() {
  return useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET('/v1/exports')).exports,
    refetchInterval: (q) => (q.state.data && running(q.state.data) ? 1000 : false),
  });
}

export async function startExport(input: CreateExport): Promise<PortabilityExport> {
  const started = unwrap(await api.POST('/v1/exports', { body: input }));
  await queryClient.invalidateQueries({ queryKey: key });
  return started;
}

export async function downloadExport(e: PortabilityExport): Promise<void> {
  const res = await authorisedFetch(`/v1/exports/${encodeURIComponent(e.id)}/download`);
  const url = URL.createObjectURL(await res.blob());
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = `quire-${e.scope}-export-${e.id}.zip`;
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
