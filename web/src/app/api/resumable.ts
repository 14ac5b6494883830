import { authorisedFetch } from './client.ts';
import { ApiError } from './errors.ts';
import { authHeaders } from './session.ts';
import type { DocumentSummary, Version } from './types.ts';

/**
 * A small tus 1.0 client (no dependency): creation, PATCH in chunks with progress (XHR, as
 * fetch reports no upload progress), and on a broken connection HEAD for the offset the cell
 * acknowledged and carry on from there. Chunks of 32 MiB keep every request well inside the
 * edge's upstream timeout. The file name travels in `Upload-Metadata`, never in the URL.
 */
const CHUNK = 32 * 1024 * 1024;
const RETRIES = 6;

export interface ResumableOptions {
  file: File;
  folderId?: string | null;
  documentId?: string;
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
}

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function patchChunk(
  url: string,
  auth: Record<string, string>,
  offset: number,
  blob: Blob,
  o: ResumableOptions,
): Promise<{ offset: number; documentId: string | null }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PATCH', url);
    for (const [name, value] of Object.entries(auth)) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('tus-resumable', '1.0.0');
    xhr.setRequestHeader('upload-offset', String(offset));
    xhr.setRequestHeader('content-type', 'application/offset+octet-stream');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => o.onProgress?.(offset + e.loaded, o.file.size);
    xhr.onload = () => {
      if (xhr.status === 204)
        resolve({
          offset: Number(xhr.getResponseHeader('upload-offset')),
          documentId: xhr.getResponseHeader('quire-document-id'),
        });
      else reject(new ApiError(xhr.status, xhr.response));
    };
    xhr.onerror = () => reject(new ApiError(0, null));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    o.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(blob);
  });
}

export async function uploadResumable(
  o: ResumableOptions,
): Promise<{ document: DocumentSummary; version: Version }> {
  const query = o.documentId
    ? `?documentId=${encodeURIComponent(o.documentId)}`
    : o.folderId
      ? `?folderId=${encodeURIComponent(o.folderId)}`
      : '';
  const created = await authorisedFetch(`/v1/uploads${query}`, {
    method: 'POST',
    headers: {
      'tus-resumable': '1.0.0',
      'upload-length': String(o.file.size),
      'upload-metadata': [
        `filename ${b64(o.file.name)}`,
        `filetype ${b64(o.file.type || 'application/octet-stream')}`,
      ].join(','),
    },
    signal: o.signal,
  });
  const url = created.headers.get('location')!;
  let offset = 0;
  let documentId: string | null = null;
  for (let failures = 0; documentId === null; ) {
    const auth = await authHeaders();
    try {
      const end = Math.min(o.file.size, offset + CHUNK);
      ({ offset, documentId } = await patchChunk(url, auth, offset, o.file.slice(offset, end), o));
      failures = 0;
    } catch (err) {
      // A client error (4xx other than 409) will not heal by retrying; the network or a 5xx may.
      const status = err instanceof ApiError ? err.status : -1;
      if (status === -1 || (status >= 400 && status < 500 && status !== 409) || ++failures > RETRIES) {
        if (status !== -1) await authorisedFetch(url, { method: 'DELETE' }).catch(() => {});
        throw err;
      }
      await sleep(500 * 2 ** failures);
      const head = await authorisedFetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
      offset = Number(head.headers.get('upload-offset'));
      documentId = head.headers.get('quire-document-id');
    }
  }
  const doc = (await (
    await authorisedFetch(`/v1/documents/${encodeURIComponent(documentId)}`)
  ).json()) as DocumentSummary;
  const versions = (await (
    await authorisedFetch(`/v1/documents/${encodeURIComponent(documentId)}/versions`)
  ).json()) as { items: Version[] };
  const version = versions.items.find((v) => v.id === doc.currentVersionId) ?? versions.items[0]!;
  return { document: doc, version };
}
