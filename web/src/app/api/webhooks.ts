import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { components } from './cell-api';
import { api, queryClient } from './client.ts';
import { unwrap } from './errors.ts';

/**
 * The organisation's webhooks (admins): add one (an https URL on the public internet and the
 * events it wants; its signing secret is shown once), pause or resume it, change its events,
 * remove it; and each one's delivery log (status, attempts, the receiver's last answer). The
 * cell describes webhooks and deliveries as free-form objects: their presenter's shape is here.
 */
export type WebhookEvent = components['schemas']['CreateWebhook']['events'][number];

export interface Webhook {
  id: string;
  url: string;
  events: WebhookEvent[];
  active: boolean;
  createdBy: string;
  createdAt: string;
}

export interface WebhookDelivery {
  id: string;
  event: WebhookEvent;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** The receiver's HTTP status of the last attempt, if it answered. */
  lastStatus: number | null;
  /** Why the last attempt failed without an answer (a timeout, a refused target). */
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** Every event a webhook can subscribe to, in the order the form shows them. */
export const WEBHOOK_EVENTS: WebhookEvent[] = [
  'comment.created',
  'comment.deleted',
  'grant.created',
  'share_link.created',
  'share_link.revoked',
  'access_request.created',
  'bulk_job.finished',
];

const KEY = ['webhooks'] as const;
const refresh = () => queryClient.invalidateQueries({ queryKey: KEY });

export function useWebhooks(enabled: boolean) {
  return useQuery({
    queryKey: KEY,
    enabled,
    queryFn: async () => unwrap(await api.GET('/v1/webhooks')).items as unknown as Webhook[],
  });
}

/** The new webhook with its signing secret: the only time the secret is shown. */
export async function createWebhook(
  url: string,
  events: WebhookEvent[],
): Promise<Webhook & { secret: string }> {
  const created = unwrap(await api.POST('/v1/webhooks', { body: { url, events } }));
  await refresh();
  return created as unknown as Webhook & { secret: string };
}

export async function updateWebhook(
  id: string,
  change: { active?: boolean; events?: WebhookEvent[] },
): Promise<void> {
  unwrap(await api.PATCH('/v1/webhooks/{id}', { params: { path: { id } }, body: change }));
  await refresh();
}

export async function deleteWebhook(id: string): Promise<void> {
  unwrap(await api.DELETE('/v1/webhooks/{id}', { params: { path: { id } } }));
  queryClient.removeQueries({ queryKey: [...KEY, id, 'deliveries'] });
  await refresh();
}

export function useDeliveries(id: string) {
  return useInfiniteQuery({
    queryKey: [...KEY, id, 'deliveries'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => {
      const page = unwrap(
        await api.GET('/v1/webhooks/{id}/deliveries', {
          params: { path: { id }, query: { limit: 25, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      );
      return { items: page.items as unknown as WebhookDelivery[], nextCursor: page.nextCursor };
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Retries in flight settle by themselves: look again while any delivery is pending.
    refetchInterval: (q) =>
      q.state.data?.pages.some((p) => p.items.some((d) => d.status === 'pending')) ? 3_000 : false,
  });
}
