/**
 * What a notification can be about. Later features add kinds here; a kind nobody has set a
 * preference for is shown in the app and not mailed.
 */
export const NOTIFICATION_KINDS = [
  'mention',
  'reply',
  'share',
  'access_request',
  'access_decided',
  'bulk_done',
  'export_ready',
  /** A deletion or erasure you asked for waits for a legal hold to be released (issue 14). */
  'hold_blocked',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const EMAIL_MODES = ['off', 'instant', 'digest'] as const;
export type EmailMode = (typeof EMAIL_MODES)[number];

export interface Preference {
  kind: NotificationKind;
  inApp: boolean;
  email: EmailMode;
}

/** Without a saved preference: in the app, no mail (mail is for people who ask for it). */
export const DEFAULT_PREFERENCE = { inApp: true, email: 'off' } as const;
