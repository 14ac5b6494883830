import { newId } from '@quire/shared/ids';
import { displayNames } from '../../auth/display-names.ts';
import type { CellDeps } from '../../context.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { publishLive, userChannel } from '../../live/bus.ts';
import { DEFAULT_PREFERENCE, type NotificationKind } from './kinds.ts';
import { presentNotification } from './presenter.ts';
import { insertNotifications, type NotificationRow, preferencesOf } from './repo.ts';
import type { NotificationData, NotificationResourceType } from './schemas.ts';

/** One notification to make: its kind and the data that kind carries (`schemas.ts`). */
export type NotificationInput = {
  [K in NotificationKind]: {
    userId: string;
    kind: K;
    actorId: string | null;
    resourceType?: NotificationResourceType | null;
    resourceId?: string | null;
    /** Shown to the recipient: ids, a title, a short excerpt. Never anything they may not read. */
    data: NotificationData[K];
  };
}[NotificationKind];

/** What a commit owes its recipients: pushes to their open sockets and their next mails. */
export interface Notified {
  tenantId: string;
  rows: NotificationRow[];
  /** The actors' names, read in the transaction, for the pushes made after it. */
  names: Map<string, string>;
}

/**
 * Records notifications in the caller's transaction (they commit or vanish with the change),
 * honouring each recipient's preferences: not in the app and no mail means nothing is kept.
 * The caller must already have checked that each recipient may read what it is about. After
 * the commit, `deliver()` pushes them and queues the mails.
 */
export async function notify(
  tx: Tx,
  deps: Pick<CellDeps, 'collab'>,
  tenantId: string,
  inputs: NotificationInput[],
): Promise<Notified> {
  const seen = new Set<string>();
  const unique = inputs.filter((n) => {
    const key = `${n.userId}/${n.kind}/${n.resourceId ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (unique.length === 0) return { tenantId, rows: [], names: new Map() };
  const prefs = await preferencesOf(
    tx,
    tenantId,
    [...new Set(unique.map((n) => n.userId))],
    [...new Set(unique.map((n) => n.kind))],
  );
  const now = Date.now();
  const rows = unique.flatMap((n) => {
    const pref = prefs.get(`${n.userId}/${n.kind}`) ?? DEFAULT_PREFERENCE;
    if (!pref.inApp && pref.email === 'off') return [];
    const delay = pref.email === 'instant' ? deps.collab.emailBatchSeconds : deps.collab.emailDigestSeconds;
    return [
      {
        tenantId,
        id: newId('notification'),
        userId: n.userId,
        kind: n.kind,
        actorId: n.actorId,
        resourceType: n.resourceType ?? null,
        resourceId: n.resourceId ?? null,
        data: n.data,
        inApp: pref.inApp,
        emailState: pref.email === 'off' ? ('none' as const) : ('pending' as const),
        emailDueAt: pref.email === 'off' ? null : new Date(now + delay * 1000),
      },
    ];
  });
  return {
    tenantId,
    rows: await insertNotifications(tx, rows),
    names: await displayNames(
      tx,
      tenantId,
      rows.map((r) => r.actorId),
    ),
  };
}

/** After the commit: live pushes to the recipients' sockets, mail jobs for those who want mail. */
export function deliver(deps: Pick<CellDeps, 'redis' | 'collabQueue'>, notified: Notified | undefined): void {
  if (!notified) return;
  for (const row of notified.rows) {
    if (row.inApp) {
      publishLive(deps.redis, userChannel(notified.tenantId, row.userId), {
        type: 'notification',
        notification: presentNotification(row, notified.names),
      });
    }
    if (row.emailState === 'pending' && row.emailDueAt) {
      deps.collabQueue.email(notified.tenantId, row.userId, row.emailDueAt);
    }
  }
}
