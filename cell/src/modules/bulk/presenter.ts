import type { BulkItemRow, BulkJobRow } from './repo.ts';
import type { BulkItemView, BulkJobView } from './schemas.ts';

/** `params` and `result` are written by this module only (verbs.ts, finish.ts, export.ts). */
export function presentJob(j: BulkJobRow): BulkJobView {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    total: j.total,
    done: j.doneCount,
    failed: j.failedCount,
    pending: Math.max(0, j.total - j.doneCount - j.failedCount),
    params: j.params as BulkJobView['params'],
    result: (j.result ?? null) as BulkJobView['result'],
    hasDownload: j.resultBlobKey !== null,
    createdBy: j.createdBy,
    createdAt: j.createdAt.toISOString(),
    startedAt: j.startedAt ? j.startedAt.toISOString() : null,
    finishedAt: j.finishedAt ? j.finishedAt.toISOString() : null,
    cancelRequestedAt: j.cancelRequestedAt ? j.cancelRequestedAt.toISOString() : null,
  };
}

export function presentItem(i: BulkItemRow): BulkItemView {
  return {
    seq: i.seq,
    resourceType: i.resourceType,
    resourceId: i.resourceId,
    status: i.status,
    error: i.errorCode ? { code: i.errorCode, message: i.errorMessage } : null,
  };
}
