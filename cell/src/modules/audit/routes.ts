import { createRoute, z } from '@hono/zod-openapi';
import { bearer, commonErrors, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { queryAudit, verifyAudit } from './verbs/query.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['audit'] };
const token = z.string().regex(/^[a-z0-9_.-]{1,64}$/);

export const auditRoutes = router();

auditRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/audit',
    summary: 'The tenant audit log, newest first (admins)',
    request: {
      query: z.object({
        actorId: token.optional(),
        action: token.optional().openapi({ description: 'e.g. document.downloaded' }),
        resourceId: token.optional(),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
        before: z.coerce
          .number()
          .int()
          .min(1)
          .optional()
          .openapi({ description: 'Cursor: entries with a lower seq' }),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
    },
    responses: {
      200: json(
        z.object({ items: z.array(z.record(z.string(), z.unknown())), nextBefore: z.number().nullable() }),
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await queryAudit({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);

auditRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/audit/verify',
    summary: 'Verify the hash chain (admins)',
    responses: {
      200: json(z.object({ ok: z.boolean(), checked: z.number(), firstBrokenSeq: z.number().nullable() })),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await verifyAudit({ ctx: c.get('ctx') }), 200),
);
