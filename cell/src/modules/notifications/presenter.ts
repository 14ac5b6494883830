import type { NotificationRow } from './repo.ts';

export function presentNotification(n: NotificationRow) {
  return {
    id: n.id,
    kind: n.kind,
    actorId: n.actorId,
    resourceType: n.resourceType,
    resourceId: n.resourceId,
    data: n.data,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt ? n.readAt.toISOString() : null,
  };
}
