import { and, eq, inArray } from 'drizzle-orm';
import { versionDerivatives } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import type { VersionRow } from './repo.ts';

export type DerivativeRow = typeof versionDerivatives.$inferSelect;
export type TextStatus = DerivativeRow['textStatus'];

/** The version whose blob (and derivatives) a version uses: itself, or the one it restored. */
export function sourceVersionId(version: Pick<VersionRow, 'blobKey'>): string {
  return version.blobKey.split('/').pop()!;
}

export async function findDerivatives(
  tx: Tx,
  tenantId: string,
  sourceIds: string[],
): Promise<Map<string, DerivativeRow>> {
  if (sourceIds.length === 0) return new Map();
  const rows = await tx
    .select()
    .from(versionDerivatives)
    .where(and(eq(versionDerivatives.tenantId, tenantId), inArray(versionDerivatives.versionId, sourceIds)));
  return new Map(rows.map((r) => [r.versionId, r]));
}

/**
 * The extraction state a user sees on a version (GET document, versions list): `pending`
 * until the worker has run, then `done`, `failed` (with the code and message saying why the
 * body is not searchable) or `unsupported` (a type without text: title, tags and file name
 * are still indexed).
 */
/** The derivative columns a user sees (see presentExtraction). */
export type ShownDerivative = Pick<
  DerivativeRow,
  'textStatus' | 'textErrorCode' | 'textErrorMessage' | 'language' | 'textTruncated' | 'previewStatus'
>;

export function presentExtraction(row: ShownDerivative | undefined) {
  return {
    status: (row?.textStatus ?? 'pending') as TextStatus,
    errorCode: row?.textErrorCode ?? null,
    errorMessage: row?.textErrorMessage ?? null,
    language: row?.language ?? null,
    truncated: row?.textTruncated ?? false,
    preview: row?.previewStatus === 'done',
  };
}

/** Extraction state for versions, keyed by version id (a restored version reports its source's). */
export async function extractionOf(tx: Tx, tenantId: string, versions: VersionRow[]) {
  const rows = await findDerivatives(tx, tenantId, [...new Set(versions.map(sourceVersionId))]);
  return new Map(versions.map((v) => [v.id, presentExtraction(rows.get(sourceVersionId(v)))]));
}
