import { createRoute, z } from '@hono/zod-openapi';
import { textSchema } from '@quire/shared/input/text';
import { commonErrors, json, opsCtx, opsSecurity, router } from '../../http/openapi.ts';
import { allow } from '../ops-auth/middleware.ts';
import { readAudit } from './verbs/read-audit.ts';

const entryView = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    actorRole: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    requestId: z.string().nullable(),
    outcome: z.enum(['ok', 'denied', 'failed']),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('OpsAuditEntry');

export const auditRoutes = router();

auditRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/audit',
    summary: 'The ops audit, newest first (append-only)',
    tags: ['ops'],
    security: opsSecurity,
    middleware: [allow('audit.read')],
    request: {
      query: z.object({
        action: textSchema({ max: 64 }).optional(),
        targetId: textSchema({ max: 64 }).optional(),
        actor: textSchema({ max: 64 }).optional(),
        outcome: z.enum(['ok', 'denied', 'failed']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        before: z.coerce
          .number()
          .int()
          .min(1)
          .max(Number.MAX_SAFE_INTEGER)
          .optional()
          .openapi({ description: 'Cursor: entries with seq below this' }),
      }),
    },
    responses: {
      200: json(z.object({ entries: z.array(entryView), nextBefore: z.number().int().nullable() })),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await readAudit({ ctx: opsCtx(c), input: c.req.valid('query') }), 200),
);
