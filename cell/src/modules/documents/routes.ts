import { Readable } from 'node:stream';
import { createRoute, z } from '@hono/zod-openapi';
import {
  bearer,
  commonErrors,
  conflict,
  json,
  quotaErrors,
  router,
  uploadTooLarge,
} from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { pageQuery } from '../folders/schemas.ts';
import { normalizeContentType } from './content.ts';
import {
  documentDetailSchema,
  documentIdSchema,
  documentSchema,
  updateDocumentBody,
  uploadQuery,
  uploadResultSchema,
  versionIdSchema,
  versionSchema,
} from './schemas.ts';
import { parseUploadMetadata, uploadMetadataHeader } from './upload-metadata.ts';
import { deletePermanently } from './verbs/delete-permanently.ts';
import { download } from './verbs/download.ts';
import { getDocument } from './verbs/get.ts';
import { listTrash } from './verbs/list-trash.ts';
import { listVersions } from './verbs/list-versions.ts';
import { restoreVersion } from './verbs/restore-version.ts';
import { setTrashed } from './verbs/trash.ts';
import { updateDocument } from './verbs/update.ts';
import { upload } from './verbs/upload.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['documents'] };
const idParams = z.object({ id: documentIdSchema });
const rawBody = {
  required: true,
  content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
};
const uploadHeaders = z.object({
  'upload-metadata': uploadMetadataHeader,
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/)
    .optional()
    .openapi({ description: 'Retries with the same key return the first result' }),
});
/** Content-Length is the transport's (Node's parser refuses a malformed one): read, not declared. */
function contentLength(header: string | undefined): number | undefined {
  return header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
}
const trashed = conflict('the document is in the trash; restore it first');
const list = z.object({ items: z.array(documentSchema), nextCursor: z.string().nullable().optional() });
const versions = z.object({ items: z.array(versionSchema) });

export const documentRoutes = router();

function uploadInput(
  c: { req: { header(n: string): string | undefined; raw: Request } },
  headers: z.infer<typeof uploadHeaders>,
) {
  return {
    ...parseUploadMetadata(headers['upload-metadata']),
    contentType: normalizeContentType(c.req.header('content-type')),
    contentLength: contentLength(c.req.header('content-length')),
    idempotencyKey: headers['idempotency-key'],
    body: c.req.raw.body,
  };
}

documentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/documents',
    summary: 'Upload a new document (raw body, streamed)',
    request: { query: uploadQuery, headers: uploadHeaders, body: rawBody },
    responses: {
      201: json(uploadResultSchema, 'Created'),
      ...commonErrors,
      ...quotaErrors('documents or storage'),
      ...uploadTooLarge,
      ...conflict('the Idempotency-Key was used for a different request'),
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const result = await upload({
      ctx: c.get('ctx'),
      input: { ...q, ...uploadInput(c, c.req.valid('header')) },
    });
    return c.json(result.body, 201);
  },
);

documentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/documents/{id}/versions',
    summary: 'Upload a new version',
    request: { params: idParams, headers: uploadHeaders, body: rawBody },
    responses: {
      201: json(uploadResultSchema, 'Created'),
      ...commonErrors,
      ...quotaErrors('storage'),
      ...uploadTooLarge,
      ...conflict('the document is in the trash, or the Idempotency-Key was used for a different request'),
    },
  }),
  async (c) => {
    const { title: _ignored, ...input } = {
      documentId: c.req.valid('param').id,
      ...uploadInput(c, c.req.valid('header')),
    };
    return c.json((await upload({ ctx: c.get('ctx'), input })).body, 201);
  },
);

documentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/documents/{id}',
    summary: 'Document metadata, current version and abilities',
    request: { params: idParams },
    responses: { 200: json(documentDetailSchema), ...commonErrors },
  }),
  async (c) => c.json(await getDocument({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

documentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'patch',
    path: '/v1/documents/{id}',
    summary: 'Update metadata or move',
    request: {
      params: idParams,
      body: { required: true, content: { 'application/json': { schema: updateDocumentBody } } },
    },
    responses: { 200: json(documentSchema), ...commonErrors, ...trashed },
  }),
  async (c) =>
    c.json(
      await updateDocument({ ctx: c.get('ctx'), input: { ...c.req.valid('json'), ...c.req.valid('param') } }),
      200,
    ),
);

documentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/documents/{id}/versions',
    summary: 'Version history, newest first',
    request: { params: idParams },
    responses: { 200: json(versions), ...commonErrors },
  }),
  async (c) => c.json(await listVersions({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

documentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/documents/{id}/versions/{versionId}/restore',
    summary: 'Roll back: a new version with an old version’s content',
    request: { params: idParams.extend({ versionId: versionIdSchema }) },
    responses: { 201: json(uploadResultSchema, 'Created'), ...commonErrors, ...trashed },
  }),
  async (c) => c.json(await restoreVersion({ ctx: c.get('ctx'), input: c.req.valid('param') }), 201),
);

documentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/documents/{id}/content',
    summary: 'Download the current or a given version',
    request: { params: idParams, query: z.object({ versionId: versionIdSchema.optional() }) },
    responses: {
      200: {
        description: 'The file',
        content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
      },
      ...commonErrors,
    },
  }),
  async (c) => {
    const { version, stream } = await download({
      ctx: c.get('ctx'),
      input: { ...c.req.valid('param'), ...c.req.valid('query') },
    });
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      status: 200,
      headers: {
        'content-type': version.contentType,
        'content-length': String(version.size),
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(version.filename)}`,
        etag: `"${version.sha256}"`,
        'x-content-type-options': 'nosniff',
        'x-request-id': c.get('requestId'),
      },
    });
  },
);

documentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'delete',
    path: '/v1/documents/{id}',
    summary: 'Move to the trash',
    request: { params: idParams },
    responses: {
      200: json(documentSchema),
      ...commonErrors,
      ...conflict('the document is already in the trash'),
    },
  }),
  async (c) =>
    c.json(await setTrashed({ ctx: c.get('ctx'), input: { ...c.req.valid('param'), trashed: true } }), 200),
);

documentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/documents/{id}/restore',
    summary: 'Restore from the trash',
    request: { params: idParams },
    responses: {
      200: json(documentSchema),
      ...commonErrors,
      ...conflict('the document is not in the trash'),
    },
  }),
  async (c) =>
    c.json(await setTrashed({ ctx: c.get('ctx'), input: { ...c.req.valid('param'), trashed: false } }), 200),
);

documentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'delete',
    path: '/v1/documents/{id}/permanent',
    summary: 'Delete a trashed document for good (versions and blobs)',
    request: { params: idParams },
    responses: {
      204: { description: 'Deleted' },
      ...commonErrors,
      ...conflict('the document is not in the trash (move it there first)'),
    },
  }),
  async (c) => {
    await deletePermanently({ ctx: c.get('ctx'), input: c.req.valid('param') });
    return c.body(null, 204);
  },
);

documentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/trash',
    summary: 'Trashed documents the caller may restore',
    request: { query: pageQuery('document') },
    responses: { 200: json(list), ...commonErrors },
  }),
  async (c) => c.json(await listTrash({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);
