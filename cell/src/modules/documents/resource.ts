import { NotFound } from '@quire/shared/errors';
import { idsFromPath, type Resource } from '../../auth/policy.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { type DocumentRow, findDocument } from './repo.ts';

/** A document with its folder ancestry, ready for `authorize`. */
export async function loadDocument(
  tx: Tx,
  tenantId: string,
  id: string,
): Promise<{ doc: DocumentRow; resource: Resource }> {
  const found = await findDocument(tx, tenantId, id);
  if (!found) throw new NotFound('document', { resourceType: 'document', resourceId: id });
  return { doc: found.doc, resource: { type: 'document', id, ancestorIds: idsFromPath(found.folderPath) } };
}
