import { nameOf } from '../../../auth/display-names.ts';
import type { LinkRow } from './repo.ts';
import type { ShareLinkView } from './schemas.ts';

export function linkStatus(l: LinkRow, now = Date.now()): 'active' | 'revoked' | 'expired' | 'exhausted' {
  if (l.revokedAt) return 'revoked';
  if (l.expiresAt && l.expiresAt.getTime() <= now) return 'expired';
  if (l.maxDownloads !== null && l.downloadCount >= l.maxDownloads) return 'exhausted';
  return 'active';
}

/** `names`: the creators' names (`displayNames`). */
export function presentLink(l: LinkRow, names: Map<string, string>): ShareLinkView {
  return {
    id: l.id,
    resourceType: l.resourceType,
    resourceId: l.resourceId,
    status: linkStatus(l),
    expiresAt: l.expiresAt ? l.expiresAt.toISOString() : null,
    hasPassword: l.passwordHash !== null,
    maxDownloads: l.maxDownloads,
    downloadCount: l.downloadCount,
    accessCount: l.accessCount,
    lastAccessAt: l.lastAccessAt ? l.lastAccessAt.toISOString() : null,
    revokedAt: l.revokedAt ? l.revokedAt.toISOString() : null,
    createdBy: l.createdBy,
    createdByName: nameOf(names, l.createdBy),
    createdAt: l.createdAt.toISOString(),
  };
}
