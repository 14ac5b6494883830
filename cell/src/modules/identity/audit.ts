import { appendInTx } from '../../audit-trail/append.ts';
import { type AuditInput, auditEntry, auditOrigin } from '../../audit-trail/entry.ts';
import type { CellDeps } from '../../context.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import type { ClientInfo } from '../../middleware/client-info.ts';

/** Who asked, from where, which request: what unauthenticated verbs (logins) record. */
export interface Meta {
  requestId: string;
  client: ClientInfo;
}

/** An entry written with the change it records (login verbs run outside withActor). */
export function auditInTx(tx: Tx, tenantId: string, meta: Meta, actorId: string, e: AuditInput) {
  return appendInTx(tx, [auditEntry(auditOrigin(tenantId, meta), actorId, e)]);
}

/** An entry with no change to ride with (a refused login): durable before the caller hears "no". */
export function auditNow(deps: CellDeps, tenantId: string, meta: Meta, actorId: string, e: AuditInput) {
  return deps.auditTrail.append([auditEntry(auditOrigin(tenantId, meta), actorId, e)]);
}
