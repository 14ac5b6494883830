import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from './client.ts';
import { unwrap } from './errors.ts';
import type { AuditEntry } from './types.ts';

/** The tenant's audit log (admins): filters, pages, chain verification, CSV export. */
export interface AuditFilters {
  action: string;
  actorId: string;
  resourceId: string;
  /** datetime-local values (the user's time zone), converted to instants. */
  from: string;
  to: string;
}

export const emptyAuditFilters: AuditFilters = { action: '', actorId: '', resourceId: '', from: '', to: '' };

function query(f: AuditFilters, before: number | undefined, limit: number) {
  const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);
  const q: Record<string, string | number> = { limit };
  if (f.action.trim()) q.action = f.action.trim();
  if (f.actorId.trim()) q.actorId = f.actorId.trim();
  if (f.resourceId.trim()) q.resourceId = f.resourceId.trim();
  const from = instant(f.from);
  const to = instant(f.to);
  if (from) q.from = from;
  if (to) q.to = to;
  if (before) q.before = before;
  return q;
}

async function auditPage(f: AuditFilters, before: number | undefined, limit = 100) {
  const page = unwrap(await api.GET('/v1/audit', { params: { query: query(f, before, limit) } }));
  return { items: page.items as unknown as AuditEntry[], nextBefore: page.nextBefore };
}

export function useAudit(f: AuditFilters) {
  return useInfiniteQuery({
    queryKey: ['audit', f],
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last: { nextBefore: number | null }) => last.nextBefore ?? undefined,
    queryFn: ({ pageParam }) => auditPage(f, pageParam),
  });
}

export async function verifyChain() {
  return unwrap(await api.GET('/v1/audit/verify'));
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  // Quote every cell; neutralise spreadsheet formulas.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
};

/** Every entry matching the filters (up to `max`), as CSV. */
export async function exportCsv(f: AuditFilters, max = 10_000): Promise<{ csv: string; rows: number }> {
  const header = [
    'id',
    'seq',
    'occurredAt',
    'actorType',
    'actorId',
    'action',
    'resourceType',
    'resourceId',
    'ip',
    'userAgent',
    'requestId',
    'details',
  ];
  const lines = [header.map(csvCell).join(',')];
  let before: number | undefined;
  let rows = 0;
  do {
    const page = await auditPage(f, before, 500);
    for (const e of page.items) {
      lines.push(
        [
          e.id,
          e.seq,
          e.occurredAt,
          e.actor.type,
          e.actor.id,
          e.action,
          e.resource.type,
          e.resource.id,
          e.ip,
          e.userAgent,
          e.requestId,
          e.details,
        ]
          .map(csvCell)
          .join(','),
      );
      rows++;
    }
    before = page.nextBefore ?? undefined;
  } while (before && rows < max);
  return { csv: `${lines.join('\r\n')}\r\n`, rows };
}
