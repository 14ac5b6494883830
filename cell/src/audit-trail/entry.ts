/** What a verb says happened; the unit of work adds who, when and from where. */
export interface AuditInput {
  action: string;
  resourceType: string;
  resourceId?: string | null;
  details?: Record<string, unknown>;
}

/** One entry as `audit_record()` stores it (migration 0005). */
export interface AuditEntry extends AuditInput {
  tenantId: string;
  /** When the action happened (this process's clock), ISO 8601. */
  occurredAt: string;
  actorType: 'user' | 'system' | 'internal';
  actorId: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** Where a request came from, as the audit trail records it. */
export interface AuditOrigin {
  tenantId: string;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** The origin of a request as verbs know it (`requestMeta()`, or a RequestCtx). */
export function auditOrigin(
  tenantId: string,
  meta: { requestId: string | null; client: { ip: string | null; userAgent: string | null } },
): AuditOrigin {
  return { tenantId, requestId: meta.requestId, ip: meta.client.ip, userAgent: meta.client.userAgent };
}

export function auditEntry(
  origin: AuditOrigin,
  actorId: string,
  input: AuditInput,
  actorType: AuditEntry['actorType'] = 'user',
): AuditEntry {
  return {
    ...input,
    tenantId: origin.tenantId,
    occurredAt: new Date().toISOString(),
    actorType,
    actorId,
    ip: origin.ip,
    userAgent: origin.userAgent,
    requestId: origin.requestId,
  };
}
