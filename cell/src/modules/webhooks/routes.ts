import { createRoute, z } from '@hono/zod-openapi';
import { bearer, commonErrors, idParam, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { WEBHOOK_EVENTS } from './events.ts';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, updateWebhook } from './verbs.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['webhooks'] };
const webhookSchema = z.record(z.string(), z.unknown()).openapi('Webhook');
const idParams = z.object({ id: idParam('whk', 'Webhook id') });

export const webhookRoutes = router();

webhookRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/webhooks',
    summary: 'Add a webhook (admins); its signing secret is shown once',
    description:
      'Deliveries are POSTs of `{ event, occurredAt, tenantId, data }` (ids only) with `x-quire-signature: v1=<hex HMAC-SHA256 of "<x-quire-timestamp>.<body>">`; non-2xx answers are retried with exponential backoff, 8 attempts.',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                url: z.string().url().max(2000).describe('An https URL on the public internet'),
                events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
              })
              .strict()
              .openapi('CreateWebhook'),
          },
        },
      },
    },
    responses: { 201: json(webhookSchema, 'Created'), ...commonErrors },
  }),
  async (c) => c.json(await createWebhook({ ctx: c.get('ctx'), input: c.req.valid('json') }), 201),
);

webhookRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/webhooks',
    summary: "The tenant's webhooks (admins)",
    responses: { 200: json(z.object({ items: z.array(webhookSchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listWebhooks({ ctx: c.get('ctx') }), 200),
);

webhookRoutes.openapi(
  createRoute({
    ...auth,
    method: 'patch',
    path: '/v1/webhooks/{id}',
    summary: 'Pause or resume a webhook, or change its events (admins)',
    request: {
      params: idParams,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                active: z.boolean().optional().describe('false pauses: no new deliveries are recorded'),
                events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length).optional(),
              })
              .strict()
              .refine((b) => Object.keys(b).length > 0, 'nothing to update')
              .openapi({ minProperties: 1 }),
          },
        },
      },
    },
    responses: { 200: json(webhookSchema), ...commonErrors },
  }),
  async (c) =>
    c.json(
      await updateWebhook({ ctx: c.get('ctx'), input: { ...c.req.valid('param'), ...c.req.valid('json') } }),
      200,
    ),
);

webhookRoutes.openapi(
  createRoute({
    ...auth,
    method: 'delete',
    path: '/v1/webhooks/{id}',
    summary: 'Remove a webhook and its delivery log (admins)',
    request: { params: idParams },
    responses: { 204: { description: 'Removed' }, ...commonErrors },
  }),
  async (c) => {
    await deleteWebhook({ ctx: c.get('ctx'), input: c.req.valid('param') });
    return c.body(null, 204);
  },
);

webhookRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/webhooks/{id}/deliveries',
    summary: 'Delivery log of a webhook, newest first (admins)',
    request: {
      params: idParams,
      query: z.object({
        cursor: z.string().max(100).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: {
      200: json(
        z.object({ items: z.array(z.record(z.string(), z.unknown())), nextCursor: z.string().nullable() }),
      ),
      ...commonErrors,
    },
  }),
  async (c) =>
    c.json(
      await listDeliveries({
        ctx: c.get('ctx'),
        input: { ...c.req.valid('param'), ...c.req.valid('query') },
      }),
      200,
    ),
);
