import { useQuery } from '@tanstack/react-query';
import { api, queryClient, unwrap } from './client.ts';

/** Cells: status, capacity and load (homed tenants against capacity), search engine, heartbeat; drain. */
export function useCells() {
  return useQuery({
    queryKey: ['cells'],
    refetchInterval: 5_000,
    queryFn: async () => unwrap(await api.GET('/v1/admin/cells')).cells,
  });
}

export async function setDraining(id: string, draining: boolean) {
  const params = { params: { path: { id } } };
  unwrap(
    draining
      ? await api.POST('/v1/admin/cells/{id}/drain', params)
      : await api.POST('/v1/admin/cells/{id}/undrain', params),
  );
  await queryClient.invalidateQueries({ queryKey: ['cells'] });
}
