import { createRoute, z } from '@hono/zod-openapi';
import { bearer, commonErrors, idParam, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { EMAIL_MODES, NOTIFICATION_KINDS } from './kinds.ts';
import { notificationSchema } from './schemas.ts';
import { listNotifications } from './verbs/list.ts';
import { markAllNotificationsRead, markRead } from './verbs/mark-read.ts';
import { getPreferences, setPreferences } from './verbs/preferences.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['notifications'] };
const preferenceSchema = z
  .object({
    kind: z.enum(NOTIFICATION_KINDS),
    inApp: z.boolean().describe('Shown in the app (and pushed live)'),
    email: z.enum(EMAIL_MODES).describe('off; instant (batched over a minute); digest (at most hourly)'),
  })
  .strict()
  .openapi('NotificationPreference');
const preferences = z.object({ items: z.array(preferenceSchema) }).openapi('NotificationPreferences');
const idParams = z.object({ id: idParam('ntf', 'Notification id') });

export const notificationRoutes = router();

notificationRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/notifications',
    summary: "The caller's notifications, newest first",
    request: {
      query: z.object({
        unread: z
          .enum(['true', 'false'])
          .default('false')
          .transform((v) => v === 'true')
          .describe('Only unread ones'),
        cursor: idParam('ntf', 'Cursor: the last id of the previous page').optional(),
        limit: z.coerce.number().int().min(1).max(100).default(30),
      }),
    },
    responses: {
      200: json(
        z.object({
          items: z.array(notificationSchema),
          unreadCount: z.number(),
          nextCursor: z.string().nullable(),
        }),
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await listNotifications({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);

notificationRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/notifications/{id}/read',
    summary: 'Mark one notification read',
    request: { params: idParams },
    responses: { 200: json(notificationSchema), ...commonErrors },
  }),
  async (c) =>
    c.json(await markRead({ ctx: c.get('ctx'), input: { ...c.req.valid('param'), read: true } }), 200),
);

notificationRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/notifications/{id}/unread',
    summary: 'Mark one notification unread again',
    request: { params: idParams },
    responses: { 200: json(notificationSchema), ...commonErrors },
  }),
  async (c) =>
    c.json(await markRead({ ctx: c.get('ctx'), input: { ...c.req.valid('param'), read: false } }), 200),
);

notificationRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/notifications/read-all',
    summary: 'Mark every notification read',
    responses: { 200: json(z.object({ marked: z.number() })), ...commonErrors },
  }),
  async (c) => c.json(await markAllNotificationsRead({ ctx: c.get('ctx') }), 200),
);

notificationRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/notifications/preferences',
    summary: "The caller's preferences, per kind",
    responses: { 200: json(preferences), ...commonErrors },
  }),
  async (c) => c.json(await getPreferences({ ctx: c.get('ctx') }), 200),
);

notificationRoutes.openapi(
  createRoute({
    ...auth,
    method: 'put',
    path: '/v1/notifications/preferences',
    summary: 'Set preferences for some kinds (the others keep theirs)',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({ items: z.array(preferenceSchema).min(1).max(NOTIFICATION_KINDS.length) })
              .strict(),
          },
        },
      },
    },
    responses: { 200: json(preferences), ...commonErrors },
  }),
  async (c) => c.json(await setPreferences({ ctx: c.get('ctx'), input: c.req.valid('json') }), 200),
);
