/**
 * The coarse document type: the search facet "type", and the switch that picks an extractor.
 * Content types from browsers are often missing or `application/octet-stream`, so the
 * filename's extension decides when the content type says nothing specific.
 */
export const COARSE_TYPES = [
  'pdf',
  'docx',
  'xlsx',
  'pptx',
  'text',
  'markdown',
  'html',
  'csv',
  'image',
  'other',
] as const;

export type CoarseType = (typeof COARSE_TYPES)[number];

/** Types `extractText` handles; `image` and `other` have no text. */
export const EXTRACTABLE_TYPES: ReadonlySet<CoarseType> = new Set([
  'pdf',
  'docx',
  'xlsx',
  'pptx',
  'text',
  'markdown',
  'html',
  'csv',
]);

const BY_MEDIA_TYPE: Record<string, CoarseType> = {
  'application/pdf': 'pdf',
  'application/x-pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'text/plain': 'text',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/tab-separated-values': 'csv',
};

const BY_EXTENSION: Record<string, CoarseType> = {
  pdf: 'pdf',
  docx: 'docx',
  xlsx: 'xlsx',
  pptx: 'pptx',
  txt: 'text',
  text: 'text',
  log: 'text',
  md: 'markdown',
  markdown: 'markdown',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  csv: 'csv',
  tsv: 'csv',
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  gif: 'image',
  webp: 'image',
  tif: 'image',
  tiff: 'image',
  bmp: 'image',
  svg: 'image',
  heic: 'image',
  avif: 'image',
};

/** `text/html; charset=utf-8` → `text/html`. */
export function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function extensionOf(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** Media types that say little: the extension is more specific (a `.csv` sent as text/plain, a `.docx` as zip). */
const GENERIC_MEDIA_TYPES = new Set([
  '',
  'application/octet-stream',
  'binary/octet-stream',
  'application/unknown',
  'application/zip',
  'application/x-zip-compressed',
  'text/plain',
]);

export function coarseType(contentType: string, filename: string): CoarseType {
  const media = mediaType(contentType);
  if (!GENERIC_MEDIA_TYPES.has(media)) {
    const byMedia = BY_MEDIA_TYPE[media];
    if (byMedia) return byMedia;
    if (media.startsWith('image/')) return 'image';
  }
  const byExt = BY_EXTENSION[extensionOf(filename)];
  if (byExt) return byExt;
  // text/plain, or a text/* we do not know by name (text/x-python, text/calendar…), is text.
  if (media.startsWith('text/')) return 'text';
  return 'other';
}

export function isExtractable(contentType: string, filename: string): boolean {
  return EXTRACTABLE_TYPES.has(coarseType(contentType, filename));
}
