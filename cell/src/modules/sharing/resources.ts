import type { ResourceType } from '../../auth/policy.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { loadDocument } from '../documents/resource.ts';
import { loadFolder } from '../folders/resource.ts';

/** A folder or document that can be shared, with its place in the tree, ready for `authorize`. */
export async function loadShared(tx: Tx, tenantId: string, type: ResourceType, id: string) {
  if (type === 'folder') {
    const { row, resource } = await loadFolder(tx, tenantId, id);
    return { resource, title: row.name, trashed: row.trashedAt !== null, path: row.path };
  }
  const { doc, resource } = await loadDocument(tx, tenantId, id);
  return { resource, title: doc.title, trashed: doc.trashedAt !== null, path: null };
}
