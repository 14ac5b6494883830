import type { paths } from './cell-api';
import { queryClient } from './client.ts';
import { documentKeys } from './documents.ts';
import { ApiError } from './errors.ts';
import { invalidateFolders } from './folders.ts';
import { accessToken } from './session.ts';
import type { DocumentSummary, Version } from './types.ts';

/**
 * Uploads with per-file progress (XMLHttpRequest: fetch reports no upload progress). The body is
 * the raw file, streamed by the cell. Today the cell takes the file name in the query string
 * (`?filename=`); the tus-style `Upload-Metadata` header (`filename <base64>,title <base64>`)
 * replaces it when the upload API changes, and resumable uploads (Uppy with tus) arrive with the
 * noisy-neighbours work: both are a change to this module only.
 */
type UploadQuery = NonNullable<paths['/v1/documents']['post']['parameters']['query']>;

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

/** The `Upload-Metadata` header of the coming API (tus syntax); sent already, ignored by today's cell. */
export function uploadMetadata(filename: string, title?: string): string {
  return [`filename ${b64(filename)}`, ...(title ? [`title ${b64(title)}`] : [])].join(',');
}

function target(o: UploadOptions): string {
  const query: UploadQuery = { filename: o.file.name };
  if (!o.documentId && o.folderId) query.folderId = o.folderId;
  const qs = new URLSearchParams(query as Record<string, string>).toString();
  return o.documentId
    ? `/v1/documents/${encodeURIComponent(o.documentId)}/versions?${qs}`
    : `/v1/documents?${qs}`;
}

export async function upload(o: UploadOptions): Promise<UploadResult> {
  const token = await accessToken();
  const result = await new Promise<UploadResult>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', target(o));
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
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
  o.onProgress?.(o.file.size, o.file.size);
  if (o.documentId) {
    await queryClient.invalidateQueries({ queryKey: documentKeys.detail(o.documentId) });
  }
  await invalidateFolders();
  return result;
}
