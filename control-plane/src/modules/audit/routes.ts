import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { opsAudit } from '../../db/schema/index.ts';
import { commonErrors, json, opsSecurity, router } from '../../http/openapi.ts';
import { allow } from '../ops-auth/middleware.ts';

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
        action: z.string().max(64).optional(),
        targetId: z.string().max(64).optional(),
        actor: z.string().max(64).optional(),
        outcome: z.enum(['ok', 'denied', 'failed']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        before: z.coerce
          .number()
          .int()
          .min(1)
          .optional()
          .openapi({ description: 'Cursor: entries with seq below this' }),
      }),
    },
    responses: {
      200: json(z.object({ entries: z.array(entryView), nextBefore: z.number().int().nullable() })),
      ...commonErrors,
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const where: SQL[] = [];
    if (q.action) where.push(eq(opsAudit.action, q.action));
    if (q.targetId) where.push(eq(opsAudit.targetId, q.targetId));
    if (q.actor) where.push(eq(opsAudit.actor, q.actor));
    if (q.outcome) where.push(eq(opsAudit.outcome, q.outcome));
    if (q.before) where.push(lt(opsAudit.seq, q.before));
    const rows = await c
      .get('deps')
      .db.select()
      .from(opsAudit)
      .where(and(...where))
      .orderBy(desc(opsAudit.seq))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    return c.json(
      {
        entries: page.map((r) => ({
          ...r,
          at: r.at.toISOString(),
          outcome: r.outcome as 'ok' | 'denied' | 'failed',
        })),
        nextBefore: rows.length > q.limit ? page.at(-1)!.seq : null,
      },
      200,
    );
  },
);
