import { Readable } from 'node:stream';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../../context.ts';
import { bearer, commonErrors, errorSchema, idParam, json, router } from '../../../http/openapi.ts';
import { requireUser } from '../../../middleware/auth.ts';
import { requestMeta } from '../../../middleware/client-info.ts';
import { onResource } from '../resource-body.ts';
import { downloadViaLink, type LinkRequest, peekLink, viewLink } from './access.ts';
import { createLink, listLinks, revokeLink, updateLinkSettings } from './manage.ts';
import {
  createdShareLinkSchema,
  shareLinkSchema as linkSchema,
  sharedViewSchema as viewSchema,
} from './schemas.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['share links'] };
const resourceId = z
  .string()
  .regex(/^(fld|doc)_[0-9a-z]{25}$/)
  .openapi({ description: 'Folder or document id' });
const password = z.string().min(8).max(200).describe('Viewers must give it to open the link');
const expiresAt = z.iso
  .datetime({ offset: true })
  .describe('When the link stops working (the tenant sets a maximum)');
const maxDownloads = z.number().int().min(1).max(1_000_000).describe('Downloads allowed through the link');
const tokenParam = z.object({
  token: z
    .string()
    .min(10)
    .max(200)
    .openapi({ description: 'The link token (`<tenant id>.<secret>`): opaque, safe in a URL' }),
});
const err = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorSchema } },
});
const publicErrors = {
  400: err('Invalid input'),
  401: err('The link needs its password'),
  403: err('Wrong password'),
  404: err('No such link (a guessed token finds nothing)'),
  410: err('The link was revoked, has expired or reached its download limit, or its item is gone'),
  429: err('Too many failed attempts'),
} as const;
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

/** Where links point: the configured public URL, else the hostname the edge received the request on. */
function origin(c: Context<AppEnv>): string | null {
  const configured = c.get('deps').collab.publicBaseUrl;
  if (configured) return configured.replace(/\/+$/, '');
  if (!c.get('edge')) return null;
  const host = c.req.header('x-forwarded-host') ?? '';
  const proto = c.req.header('x-forwarded-proto') === 'https' ? 'https' : 'http';
  return /^[a-z0-9.-]{1,253}(:\d{1,5})?$/i.test(host) ? `${proto}://${host.toLowerCase()}` : null;
}

function linkRequest(c: Context<AppEnv>): LinkRequest {
  const edge = c.get('edge');
  return { ...requestMeta(c), edgeTenantId: edge ? edge.tenantId : undefined };
}

export const linkRoutes = router();

linkRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/share-links',
    summary: 'Create an external link to a folder or document (owners)',
    description:
      'The token is shown once. It carries the tenant as a routing hint, so the link reaches the home cell without a login.',
    request: {
      body: body(
        onResource({
          expiresAt: expiresAt.optional(),
          password: password.optional(),
          maxDownloads: maxDownloads.optional(),
        }).openapi('CreateShareLink'),
      ),
    },
    responses: { 201: json(createdShareLinkSchema, 'Created'), ...commonErrors },
  }),
  async (c) =>
    c.json(await createLink({ ctx: c.get('ctx'), input: c.req.valid('json'), origin: origin(c) }), 201),
);

linkRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/share-links',
    summary: 'Links to a folder or document (owners)',
    request: { query: z.object({ resourceType: z.enum(['folder', 'document']), resourceId }) },
    responses: {
      200: json(
        z.object({
          items: z.array(linkSchema),
          policy: z
            .object({
              maxExpiryDays: z.number().int().describe('The longest a link may live (plan and flags)'),
              defaultExpiryDays: z.number().int().describe('The expiry of a link created without one'),
            })
            .describe("The organisation's link policy, for the form"),
        }),
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await listLinks({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);

linkRoutes.openapi(
  createRoute({
    ...auth,
    method: 'patch',
    path: '/v1/share-links/{id}',
    summary: 'Change expiry, password (null removes) or download limit (null removes)',
    request: {
      params: z.object({ id: idParam('lnk', 'Link id') }),
      body: body(
        z
          .object({
            expiresAt: expiresAt.optional(),
            password: password.nullable().optional(),
            maxDownloads: maxDownloads.nullable().optional(),
          })
          .strict()
          .refine((b) => Object.keys(b).length > 0, 'nothing to update')
          .openapi({ minProperties: 1 }),
      ),
    },
    responses: { 200: json(linkSchema), 409: commonErrors[400], ...commonErrors },
  }),
  async (c) =>
    c.json(
      await updateLinkSettings({
        ctx: c.get('ctx'),
        input: { ...c.req.valid('param'), ...c.req.valid('json') },
      }),
      200,
    ),
);

linkRoutes.openapi(
  createRoute({
    ...auth,
    method: 'delete',
    path: '/v1/share-links/{id}',
    summary: 'Revoke a link: it fails from the next request on',
    request: { params: z.object({ id: idParam('lnk', 'Link id') }) },
    responses: { 200: json(linkSchema), ...commonErrors },
  }),
  async (c) => c.json(await revokeLink({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

linkRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/share/{token}',
    tags: ['share links'],
    summary: 'Open a link (no login): the document, or the folder’s first page; `requiresPassword` if locked',
    request: { params: tokenParam },
    responses: { 200: json(viewSchema), ...publicErrors },
  }),
  async (c) => c.json(await peekLink(c.get('deps'), c.req.valid('param').token, linkRequest(c)), 200),
);

linkRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/share/{token}/open',
    tags: ['share links'],
    summary: 'Open a link with its password, or browse a shared folder (no login)',
    request: {
      params: tokenParam,
      body: body(
        z
          .object({
            password: z.string().min(1).max(200).optional(),
            folderId: idParam('fld', 'A folder inside the shared one').optional(),
            cursor: z.string().max(512).optional(),
            limit: z.number().int().min(1).max(200).default(50),
          })
          .strict(),
      ),
    },
    responses: { 200: json(viewSchema), ...publicErrors },
  }),
  async (c) =>
    c.json(
      await viewLink(
        c.get('deps'),
        { ...c.req.valid('json'), token: c.req.valid('param').token },
        linkRequest(c),
      ),
      200,
    ),
);

linkRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/share/{token}/content',
    tags: ['share links'],
    summary: 'Download through a link (no login; counts against its download limit)',
    description: 'A POST so the password travels in the body (a browser form works), never in the URL.',
    request: {
      params: tokenParam,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                password: z.string().min(1).max(200).optional(),
                documentId: idParam('doc', 'For a folder link: a document inside it').optional(),
              })
              .strict(),
          },
          'application/x-www-form-urlencoded': {
            schema: z.object({ password: z.string().optional(), documentId: z.string().optional() }),
          },
        },
      },
    },
    responses: {
      200: {
        description: 'The file',
        content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
      },
      ...publicErrors,
    },
  }),
  async (c) => {
    const form = c.req.header('content-type')?.startsWith('application/x-www-form-urlencoded');
    const input = form
      ? z
          .object({
            password: z.string().min(1).max(200).optional(),
            documentId: idParam('doc', 'document').optional(),
          })
          .parse(Object.fromEntries(Object.entries(await c.req.parseBody()).filter(([, v]) => v !== '')))
      : c.req.valid('json');
    const { version, stream } = await downloadViaLink(
      c.get('deps'),
      { ...input, token: c.req.valid('param').token },
      linkRequest(c),
    );
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      status: 200,
      headers: {
        'content-type': version.contentType,
        'content-length': String(version.size),
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(version.filename)}`,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-request-id': c.get('requestId'),
      },
    });
  },
);
