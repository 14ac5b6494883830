import { createRoute, z } from '@hono/zod-openapi';
import { textSchema } from '@quire/shared/input/text';
import { bearer, commonErrors, idParam, json, router } from '../../../http/openapi.ts';
import { requireUser } from '../../../middleware/auth.ts';
import { onResource } from '../resource-body.ts';
import { accessRequestSchema as requestSchema } from './schemas.ts';
import { decideAccessRequest, listAccessRequests, requestAccess } from './verbs.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['access requests'] };
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
const idParams = z.object({ id: idParam('arq', 'Access request id') });

export const accessRequestRoutes = router();

accessRequestRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/access-requests',
    summary: 'Ask for access to a folder or document',
    description:
      'Answers 202 whether or not the resource exists (existence is not revealed); its owners are notified.',
    request: {
      body: body(
        onResource({
          role: z.enum(['viewer', 'editor']).optional().describe('The role asked for; viewer when left out'),
          message: textSchema({ max: 1000 }).optional().describe('A note for the owners'),
        }).openapi('RequestAccess'),
      ),
    },
    responses: {
      202: json(z.object({ status: z.literal('pending') }), 'Asked'),
      409: commonErrors[400],
      ...commonErrors,
    },
  }),
  async (c) => c.json(await requestAccess({ ctx: c.get('ctx'), input: c.req.valid('json') }), 202),
);

accessRequestRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/access-requests',
    summary: 'Requests the caller may decide on (owners), newest first',
    request: {
      query: z.object({
        status: z.enum(['pending', 'granted', 'declined']).default('pending'),
        resourceId: z
          .string()
          .regex(/^(fld|doc)_[0-9a-z]{25}$/)
          .optional(),
        cursor: idParam('arq', 'Cursor: the last id of the previous page').optional(),
        limit: z.coerce.number().int().min(1).max(100).default(50),
      }),
    },
    responses: {
      200: json(z.object({ items: z.array(requestSchema), nextCursor: z.string().nullable() })),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await listAccessRequests({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);

accessRequestRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/access-requests/{id}/grant',
    summary: 'Grant the request (optionally another role); the requester is notified',
    request: {
      params: idParams,
      body: {
        required: false,
        content: {
          'application/json': {
            schema: z.object({ role: z.enum(['viewer', 'editor']).optional() }).strict(),
          },
        },
      },
    },
    responses: { 200: json(requestSchema), 409: commonErrors[400], ...commonErrors },
  }),
  async (c) => {
    const role = c.req.header('content-type')?.includes('json') ? c.req.valid('json')?.role : undefined;
    return c.json(
      await decideAccessRequest({
        ctx: c.get('ctx'),
        input: { ...c.req.valid('param'), decision: 'granted', role },
      }),
      200,
    );
  },
);

accessRequestRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/access-requests/{id}/decline',
    summary: 'Decline the request; the requester is notified',
    request: { params: idParams },
    responses: { 200: json(requestSchema), 409: commonErrors[400], ...commonErrors },
  }),
  async (c) =>
    c.json(
      await decideAccessRequest({
        ctx: c.get('ctx'),
        input: { ...c.req.valid('param'), decision: 'declined' },
      }),
      200,
    ),
);
