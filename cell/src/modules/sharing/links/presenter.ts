import type { LinkRow } from './repo.ts';

export function linkStatus(l: LinkRow, now = Date.now()): 'active' | 'revoked' | 'expired' | 'exhausted' {
  if (l.revokedAt) return 'revoked';
  if (l.expiresAt && l.expiresAt.getTime() <= now) return 'expired';
  if (l.maxDownloads !== null && l.downloadCount >= l.maxDownloads) return 'exhausted';
  return 'active';
}

export function presentLink(l: LinkRow) {
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
    createdAt: l.createdAt.toISOString(),
  };
}
