import type { Readable } from 'node:stream';
import type { CellDeps } from '../../context.ts';
import { decryptStream, encryptStream } from '../../crypto/envelope.ts';
import type { DerivativeRow } from '../documents/extraction.ts';

/**
 * Derivative blobs (extracted text, preview PNG) under the same envelope encryption as the
 * content: a fresh data key wrapped by the tenant's key, and authenticated data binding the
 * blob to its tenant, source version and kind, so a text blob cannot pass for a preview or
 * for another tenant's. No parser is loaded here: the API reads previews through it.
 */
export function aad(tenantId: string, sourceId: string, what: 'text' | 'preview'): string {
  return `quire/v1/${tenantId}/${sourceId}/${what}`;
}

export async function collect(stream: Readable | NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export async function storeEncrypted(
  deps: CellDeps,
  tenantId: string,
  key: string,
  bytes: Buffer,
  context: string,
) {
  const dataKey = await deps.keyring.generateDataKey(tenantId);
  try {
    const cipher = encryptStream(dataKey.plaintext, context);
    cipher.end(bytes);
    await deps.blobs.put(key, cipher);
  } finally {
    dataKey.plaintext.fill(0);
  }
  return { wrappedKey: dataKey.wrapped, keyRef: dataKey.keyRef };
}

async function readEncrypted(
  deps: CellDeps,
  tenantId: string,
  key: string,
  wrapped: Buffer,
  context: string,
) {
  const dataKey = await deps.keyring.unwrapDataKey(tenantId, wrapped);
  const source = (await deps.blobs.get(key)) as Readable;
  const decipher = decryptStream(dataKey, context);
  source.once('error', (e) => decipher.destroy(e));
  return collect(source.pipe(decipher));
}

/** The stored text of a version whose extraction is done. */
export async function readText(deps: CellDeps, tenantId: string, row: DerivativeRow): Promise<string> {
  if (row.textStatus !== 'done' || !row.textBlobKey || !row.textWrappedKey) return '';
  const bytes = await readEncrypted(
    deps,
    tenantId,
    row.textBlobKey,
    row.textWrappedKey,
    aad(tenantId, row.versionId, 'text'),
  );
  return bytes.toString('utf8');
}

/** The stored preview PNG of a version, or null. */
export async function readPreview(deps: CellDeps, tenantId: string, row: DerivativeRow | undefined) {
  if (row?.previewStatus !== 'done' || !row.previewBlobKey || !row.previewWrappedKey) return null;
  return readEncrypted(
    deps,
    tenantId,
    row.previewBlobKey,
    row.previewWrappedKey,
    aad(tenantId, row.versionId, 'preview'),
  );
}
