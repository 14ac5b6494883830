import { blobKey } from '../../adapters/blob-store/port.ts';
import type { CellDeps } from '../../context.ts';
import { versionDerivatives } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { readContent } from '../documents/content.ts';
import { type DerivativeRow, sourceVersionId, type TextStatus } from '../documents/extraction.ts';
import type { VersionRow } from '../documents/repo.ts';
import { DEFAULT_LIMITS, ExtractionError, extractText, isExtractable } from '../extraction/extract.ts';
import { renderPreview } from '../previews/render.ts';
import { aad, collect, storeEncrypted } from './sealed.ts';

/**
 * What the pipeline derives from a version's bytes: its extracted text and a preview image,
 * each stored encrypted next to the content (same envelope, a fresh data key under the
 * tenant's key), so crypto-shredding the tenant covers them and a re-index, a rebuild or a
 * folder move never parses the file again. Derivatives belong to the version whose blob they
 * came from: a restored version shares its source's.
 */

/**
 * Returns the derivatives of a version, deriving them first when they are not there yet:
 * decrypt the content, extract text, render a preview, store both encrypted, record the
 * outcome. A property of the input (ExtractionError) is recorded and final; anything else
 * (blob store, keyring, a crashed parser thread) throws, so the outbox row is retried.
 */
export async function ensureDerivatives(
  deps: CellDeps,
  tx: Tx,
  tenantId: string,
  documentId: string,
  version: VersionRow,
  known: DerivativeRow | undefined,
): Promise<DerivativeRow> {
  if (known && known.textStatus !== 'pending') return known;
  const source = sourceVersionId(version);
  const base = { tenantId, versionId: source, documentId, updatedAt: new Date() };
  let row: typeof versionDerivatives.$inferInsert;
  if (!isExtractable(version.contentType, version.filename) && !previewable(version.contentType)) {
    row = {
      ...base,
      textStatus: 'unsupported',
      textErrorCode: 'unsupported_type',
      textErrorMessage: 'no text extractor for this type',
      previewStatus: 'none',
    };
  } else if (version.size > DEFAULT_LIMITS.maxInputBytes) {
    const message = `the file is larger than ${DEFAULT_LIMITS.maxInputBytes} bytes`;
    row = { ...base, textStatus: 'failed', textErrorCode: 'too_large', textErrorMessage: message };
    row.previewStatus = 'failed';
  } else {
    const bytes = await collect(await readContent(deps, tenantId, version));
    const text = await deriveText(deps, tenantId, documentId, source, version, bytes);
    row = { ...base, ...text, ...(await derivePreview(deps, tenantId, documentId, source, version, bytes)) };
  }
  const [saved] = await tx
    .insert(versionDerivatives)
    .values(row)
    .onConflictDoUpdate({
      target: [versionDerivatives.tenantId, versionDerivatives.versionId],
      set: { ...row, tenantId: undefined, versionId: undefined },
    })
    .returning();
  return saved!;
}

function previewable(contentType: string): boolean {
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  return media === 'application/pdf' || media.startsWith('image/') || media === 'application/octet-stream';
}

async function deriveText(
  deps: CellDeps,
  tenantId: string,
  documentId: string,
  source: string,
  version: VersionRow,
  bytes: Buffer,
): Promise<Partial<typeof versionDerivatives.$inferInsert> & { textStatus: TextStatus }> {
  try {
    const result = await extractText({ bytes, contentType: version.contentType, filename: version.filename });
    const text = Buffer.from(result.text, 'utf8');
    const key = blobKey(tenantId, 'derived', documentId, `${source}.text`);
    const stored = await storeEncrypted(deps, tenantId, key, text, aad(tenantId, source, 'text'));
    return {
      textStatus: 'done',
      textErrorCode: null,
      textErrorMessage: null,
      textBlobKey: key,
      textWrappedKey: stored.wrappedKey,
      textKeyRef: stored.keyRef,
      textBytes: text.length,
      textTruncated: result.truncated,
      language: result.language,
    };
  } catch (err) {
    if (!(err instanceof ExtractionError)) throw err;
    return {
      textStatus: err.code === 'unsupported_type' ? 'unsupported' : 'failed',
      textErrorCode: err.code,
      textErrorMessage: err.message.slice(0, 500),
    };
  }
}

async function derivePreview(
  deps: CellDeps,
  tenantId: string,
  documentId: string,
  source: string,
  version: VersionRow,
  bytes: Buffer,
): Promise<Partial<typeof versionDerivatives.$inferInsert>> {
  try {
    const preview = await renderPreview({ bytes, contentType: version.contentType });
    if (!preview) return { previewStatus: 'none' };
    const key = blobKey(tenantId, 'derived', documentId, `${source}.preview.png`);
    const stored = await storeEncrypted(deps, tenantId, key, preview.png, aad(tenantId, source, 'preview'));
    return {
      previewStatus: 'done',
      previewBlobKey: key,
      previewWrappedKey: stored.wrappedKey,
      previewKeyRef: stored.keyRef,
      previewWidth: preview.width,
      previewHeight: preview.height,
    };
  } catch (err) {
    if (!(err instanceof ExtractionError)) throw err;
    return { previewStatus: 'failed' };
  }
}

/** Derived blobs of a document that no longer exists (permanent delete): best effort, idempotent. */
export async function deleteDerivedBlobs(
  deps: CellDeps,
  tenantId: string,
  documentId: string,
): Promise<void> {
  await deps.blobs.deletePrefix(blobKey(tenantId, 'derived', documentId));
}
