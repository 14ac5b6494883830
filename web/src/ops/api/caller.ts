import { useQuery } from '@tanstack/react-query';
import { api, type OpsAction, unwrap, useOpsToken } from './client.ts';

/**
 * Who the ops token is and what its role allows (GET /v1/admin/me): the page offers only those
 * actions, so a role without one sees no button for it. The control plane checks every request
 * itself; this only keeps the page honest about what would work.
 */
export function useCaller() {
  const token = useOpsToken();
  return useQuery({
    queryKey: ['caller', token],
    enabled: token !== null,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async () => unwrap(await api.GET('/v1/admin/me')),
  });
}

/** Whether the signed-in token's role allows `action` (false until known). */
export function useCan(): (action: OpsAction) => boolean {
  const caller = useCaller();
  return (action) => caller.data?.actions.includes(action) ?? false;
}

/** Checks a token before keeping it: any valid ops token may ask who it is. */
export async function whoIs(): Promise<void> {
  unwrap(await api.GET('/v1/admin/me'));
}
