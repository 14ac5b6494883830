import { useQuery } from '@tanstack/react-query';
import type { components } from './cell-api';
import { api } from './client.ts';
import { unwrap } from './errors.ts';

/** The tenant's usage against its plan's quotas (admins): counted totals and the other limits. */
export type Usage = components['schemas']['Usage'];
export type QuotaLine = components['schemas']['QuotaLine'];

/** The three totals the cell counts with every change; the rest are limits without a running total. */
export const COUNTED = ['storage', 'documents', 'users'] as const;
export type Counted = (typeof COUNTED)[number];

/** From this share of a limit on, a quota is shown as nearly used up. */
export const NEAR_LIMIT = 0.8;

export function useUsage(enabled = true) {
  return useQuery({
    queryKey: ['usage'],
    enabled,
    queryFn: async () => unwrap(await api.GET('/v1/usage')),
  });
}

/** The share of a counted quota used (0…1, above 1 past the limit); null when unlimited. */
export function shareUsed(line: QuotaLine): number | null {
  if (line.limit === null || line.used === null) return null;
  if (line.limit <= 0) return line.used > 0 ? 1 : 0;
  return line.used / line.limit;
}
