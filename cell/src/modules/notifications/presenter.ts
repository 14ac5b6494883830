import { nameOf } from '../../auth/display-names.ts';
import type { NotificationRow } from './repo.ts';
import type { PresentedNotification } from './schemas.ts';

/**
 * A notification as its recipient sees it, with the actor's name (`names` from `displayNames`).
 * Its kind and data are as `notify()` was given them, typed per kind (`schemas.ts`).
 */
export function presentNotification(n: NotificationRow, names: Map<string, string>): PresentedNotification {
  return {
    id: n.id,
    kind: n.kind,
    actorId: n.actorId,
    actorName: nameOf(names, n.actorId),
    resourceType: n.resourceType,
    resourceId: n.resourceId,
    data: n.data,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt ? n.readAt.toISOString() : null,
  } as PresentedNotification;
}
