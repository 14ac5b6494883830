import { queryClient } from './client.ts';
import { documentKeys } from './documents.ts';
import { ApiError } from './errors.ts';
import { invalidateFolders } from './folders.ts';
import { uploadResumable } from './resumable.ts';
import { authHeaders } from './session.ts';
import type { DocumentSummary, Version } from './types.ts';

/**
 * Uploads with per-file progress (XMLHttpRequest: fetch reports no upload progress). The body is
 * the raw file, streamed by the cell; the file name travels in the tus-style `Upload-Metadata`
 * header (`filename <base64>,title <base64>`), never in the URL. Files above 20 MB go through
 * the resumable protocol (tus 1.0, `resumable.ts`): chunked, and a broken connection resumes from
 * the last byte the cell acknowledged.
 */
const RESUMABLE_FROM = 20 * 1024 * 1024;

export interface UploadResult {
  document: DocumentSummary;
  version: Version;
}

export interface UploadOptions {
  file: File;
  /** Target folder of a new document (null: the top level). */
  folderId?: string | null;
  /** Upload a new version of this document instead. */
  documentId?: string;
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
}

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

/** The `Upload-Metadata` header (tus syntax): the file name and title, base64 each. */
export function uploadMetadata(filename: string, title?: string): string {
  return [`filename ${b64(filename)}`, ...(title ? [`title ${b64(title)}`] : [])].join(',');
}

/** Only opaque ids in the URL: the file name travels in Upload-Metadata (URLs are logged outside the region). */
function target(o: UploadOptions): string {
  if (o.documentId) return `/v1/documents/${encodeURIComponent(o.documentId)}/versions`;
  return o.folderId ? `/v1/documents?folderId=${encodeURIComponent(o.folderId)}` : '/v1/documents';
}

export async function upload(o: UploadOptions): Promise<UploadResult> {
  const result =
    o.file.size > RESUMABLE_FROM ? await uploadResumable(o) : await single(o, await authHeaders());
  o.onProgress?.(o.file.size, o.file.size);
  if (o.documentId) {
    await queryClient.invalidateQueries({ queryKey: documentKeys.detail(o.documentId) });
  }
  await invalidateFolders();
  return result;
}

function single(o: UploadOptions, auth: Record<string, string>): Promise<UploadResult> {
  return new Promise<UploadResult>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', target(o));
    for (const [name, value] of Object.entries(auth)) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('content-type', o.file.type || 'application/octet-stream');
    xhr.setRequestHeader('idempotency-key', crypto.randomUUID());
    xhr.setRequestHeader('upload-metadata', uploadMetadata(o.file.name));
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => o.onProgress?.(e.loaded, e.lengthComputable ? e.total : o.file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response as UploadResult);
      else reject(new ApiError(xhr.status, xhr.response));
    };
    xhr.onerror = () => reject(new ApiError(0, null));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    o.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(o.file);
  });
}
