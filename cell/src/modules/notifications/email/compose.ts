import type { NotificationRow } from '../repo.ts';

export interface MailLine {
  row: NotificationRow;
  actorName: string | null;
}

function describe({ row, actorName }: MailLine): string {
  const who = actorName ?? 'Someone';
  const d = row.data as Record<string, string | undefined>;
  const title = d.documentTitle ?? d.title;
  const on = title ? ` on “${title}”` : '';
  switch (row.kind) {
    case 'mention':
      return `${who} mentioned you${on}: ${d.excerpt ?? ''}`;
    case 'reply':
      return `${who} replied${on}: ${d.excerpt ?? ''}`;
    case 'share':
      return `${who} shared “${title ?? 'an item'}” with you (${d.role ?? 'viewer'})`;
    case 'access_request':
      return `${who} asks for ${d.role ?? 'viewer'} access to “${title ?? 'an item'}”${d.message ? `: ${d.message}` : ''}`;
    case 'access_decided':
      return `${who} ${d.decision === 'granted' ? 'granted' : 'declined'} your access request${title ? ` to “${title}”` : ''}`;
    case 'export_ready':
      return 'Your export is ready to download';
    case 'bulk_done':
      return 'Your bulk operation has finished';
    default:
      return `${who}: ${row.kind}`;
  }
}

/** One mail for all of a user's pending notifications: a digest when there are several. */
export function composeMail(
  name: string,
  lines: MailLine[],
  link: string | null,
): { subject: string; text: string } {
  const first = lines[0]!;
  const subject =
    lines.length === 1
      ? describe(first).split(':')[0]!.slice(0, 140)
      : `${lines.length} new notifications in Quire`;
  const body = lines.map((l) => `• ${describe(l)}`).join('\n');
  const footer = link ? `\n\nOpen Quire: ${link}` : '\n\nOpen Quire to see them.';
  return {
    subject,
    text: `Hello ${name},\n\n${body}${footer}\n\nYou get these mails because of your notification preferences in Quire.\n`,
  };
}
