import { createRoute, z } from '@hono/zod-openapi';
import { QuireError } from '@quire/shared/errors';
import type { Context } from 'hono';
import { bearer, commonErrors, conflict, errorResponse, idParam, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { normalizeContentType } from '../documents/content.ts';
import { documentIdSchema, uploadQuery } from '../documents/schemas.ts';
import { parseTusMetadata, tusMetadataHeader } from './schemas.ts';
import { appendUpload, createUpload, deleteUploadVerb, getUpload, type UploadStatus } from './verbs.ts';

/**
 * Resumable uploads, tus 1.0 (core protocol + creation, termination, expiration): see
 * README.md here. HEAD is served by the GET route (Hono answers HEAD from GET without a body).
 */
const auth = { security: bearer, middleware: requireUser(), tags: ['uploads'] };
const TUS_VERSION = '1.0.0';
const idParams = z.object({ id: idParam('upl', 'Upload id (opaque)') });
const bytes = z
  .string()
  .regex(/^\d{1,15}$/)
  .openapi({ description: 'A byte count (decimal)' });
const tusResumable = z
  .enum([TUS_VERSION])
  .optional()
  .openapi({ description: 'tus protocol version: `1.0.0`, the only one served (another is 400)' });

const statusSchema = z
  .object({
    id: z.string().openapi({ description: 'Upload id' }),
    offset: z.number().int().openapi({ description: 'Bytes received and stored (resume from here)' }),
    length: z.number().int().openapi({ description: 'Declared total length' }),
    expiresAt: z.string().openapi({ description: 'When an unfinished upload is removed (ISO 8601)' }),
    documentId: z.string().nullable().openapi({ description: 'The document, once the upload is complete' }),
    versionId: z.string().nullable().openapi({ description: 'The version it became, once complete' }),
  })
  .openapi('UploadStatus');

const tooLarge = {
  413: errorResponse("Upload-Length exceeds the plan's max file size, or the body exceeds Upload-Length"),
};

function tusHeaders(c: Context, s: UploadStatus): void {
  c.header('Tus-Resumable', TUS_VERSION);
  c.header('Upload-Offset', String(s.offset));
  c.header('Upload-Length', String(s.length));
  c.header('Upload-Expires', new Date(s.expiresAt).toUTCString());
  c.header('Cache-Control', 'no-store');
  if (s.documentId) c.header('Quire-Document-Id', s.documentId);
  if (s.versionId) c.header('Quire-Version-Id', s.versionId);
}

export const uploadRoutes = router();

uploadRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/uploads',
    summary: 'Start a resumable upload (tus 1.0 creation)',
    description:
      'Declares the length and, in `Upload-Metadata`, the file name (never in the URL). Refused with 413 before any byte is stored when the length exceeds the plan, 429 when the plan’s concurrent uploads are taken. Then PATCH the bytes to `Location`; the last byte makes the document (or, with `documentId`, a new version).',
    request: {
      query: uploadQuery.extend({
        documentId: documentIdSchema
          .optional()
          .openapi({ description: 'Upload a new version of this document' }),
      }),
      headers: z.object({
        'tus-resumable': tusResumable,
        'upload-length': bytes,
        'upload-metadata': tusMetadataHeader,
      }),
    },
    responses: {
      201: {
        description: 'Created; `Location` is the upload’s URL',
        content: { 'application/json': { schema: statusSchema } },
      },
      ...commonErrors,
      ...conflict('the document is in the trash; restore it first'),
      ...tooLarge,
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const h = c.req.valid('header');
    const meta = parseTusMetadata(h['upload-metadata']);
    if (q.documentId && q.folderId)
      throw new QuireError('validation_failed', 'give folderId or documentId, not both');
    const s = await createUpload({
      ctx: c.get('ctx'),
      input: {
        length: Number(h['upload-length']),
        filename: meta.filename,
        title: meta.title,
        contentType: normalizeContentType(meta.filetype),
        folderId: q.folderId,
        documentId: q.documentId,
      },
    });
    tusHeaders(c, s);
    c.header('Location', `/v1/uploads/${s.id}`);
    return c.json(s, 201);
  },
);

uploadRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/uploads/{id}',
    summary: 'An upload’s offset (tus HEAD; GET adds a JSON body)',
    request: { params: idParams },
    responses: { 200: json(statusSchema), ...commonErrors },
  }),
  async (c) => {
    const s = await getUpload({ ctx: c.get('ctx'), input: c.req.valid('param') });
    tusHeaders(c, s);
    return c.json(s, 200);
  },
);

uploadRoutes.openapi(
  createRoute({
    ...auth,
    method: 'patch',
    path: '/v1/uploads/{id}',
    summary: 'Append bytes at Upload-Offset (tus PATCH)',
    description:
      'The body (`application/offset+octet-stream`; `application/octet-stream` is taken too) is required except to finish an upload whose bytes are all stored (`Upload-Offset` equal to its length); it is stored in encrypted parts as it arrives; what was stored is acknowledged even if the request breaks off (HEAD tells the offset to resume from). The last byte turns the upload into the document in one transaction; `Quire-Document-Id` names it.',
    request: {
      params: idParams,
      headers: z.object({ 'tus-resumable': tusResumable, 'upload-offset': bytes }),
      body: {
        required: true,
        content: {
          'application/offset+octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
          'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
        },
      },
    },
    responses: {
      204: { description: 'Stored; `Upload-Offset` is the new offset' },
      ...commonErrors,
      ...conflict('Upload-Offset is not the upload’s offset'),
      ...tooLarge,
      415: errorResponse('Content-Type is not application/offset+octet-stream (or application/octet-stream)'),
    },
  }),
  async (c) => {
    const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    // tus clients send offset+octet-stream; plain octet-stream is taken as well (generic HTTP clients).
    if (type !== 'application/offset+octet-stream' && type !== 'application/octet-stream') {
      await c.req.raw.body?.cancel().catch(() => {});
      throw new QuireError('unsupported_media_type', 'PATCH takes application/offset+octet-stream');
    }
    const s = await appendUpload({
      ctx: c.get('ctx'),
      input: {
        id: c.req.valid('param').id,
        offset: Number(c.req.valid('header')['upload-offset']),
        body: c.req.raw.body,
      },
    });
    tusHeaders(c, s);
    return c.body(null, 204);
  },
);

uploadRoutes.openapi(
  createRoute({
    ...auth,
    method: 'delete',
    path: '/v1/uploads/{id}',
    summary: 'Abandon an upload (tus termination): its stored parts are deleted',
    request: { params: idParams },
    responses: { 204: { description: 'Deleted' }, ...commonErrors },
  }),
  async (c) => {
    await deleteUploadVerb({ ctx: c.get('ctx'), input: c.req.valid('param') });
    c.header('Tus-Resumable', TUS_VERSION);
    return c.body(null, 204);
  },
);
