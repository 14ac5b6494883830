import type { GrantRole } from '@quire/shared/tenancy';
import { abilities } from '../../auth/policy.ts';
import type { FolderRow } from './repo.ts';

export function presentFolder(f: FolderRow) {
  return {
    id: f.id,
    name: f.name,
    parentId: f.parentId,
    createdBy: f.createdBy,
    createdAt: f.createdAt.toISOString(),
    updatedAt: f.updatedAt.toISOString(),
    trashedAt: f.trashedAt ? f.trashedAt.toISOString() : null,
  };
}

export function presentFolderDetail(
  f: FolderRow,
  breadcrumbs: { id: string; name: string }[],
  role: GrantRole | null,
) {
  return { ...presentFolder(f), breadcrumbs, abilities: abilities(role) };
}
