import { createRoute, z } from '@hono/zod-openapi';
import { NotFound } from '@quire/shared/errors';
import { PLAN_IDS } from '@quire/shared/plans';
import { eq } from 'drizzle-orm';
import { plans } from '../../db/schema/index.ts';
import { bumpVersions } from '../../db/versions.ts';
import { commonErrors, json, jsonBody, opsSecurity, router } from '../../http/openapi.ts';
import { appendAudit } from '../audit/record.ts';
import { allow } from '../ops-auth/middleware.ts';
import { LIMIT_KEYS } from '../tenants/presenter.ts';

const limitsSchema = z
  .object(
    Object.fromEntries(LIMIT_KEYS.map((k) => [k, z.number().int().min(0).nullable()])) as Record<
      string,
      z.ZodNullable<z.ZodNumber>
    >,
  )
  .strict()
  .openapi('PlanLimits', { description: 'Every limit of the plan (null = unlimited)' });

const planView = z
  .object({ id: z.enum(PLAN_IDS), limits: z.record(z.string(), z.number().nullable()) })
  .openapi('Plan');

export const planRoutes = router();

planRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/plans',
    summary: 'The plans and their limits',
    tags: ['plans'],
    security: opsSecurity,
    middleware: [allow('plans.read')],
    responses: { 200: json(z.object({ plans: z.array(planView) })), ...commonErrors },
  }),
  async (c) => {
    const rows = await c.get('deps').db.select().from(plans);
    const order = (id: string) => PLAN_IDS.indexOf(id as (typeof PLAN_IDS)[number]);
    rows.sort((a, b) => order(a.id) - order(b.id));
    return c.json(
      { plans: rows.map((r) => ({ id: r.id as (typeof PLAN_IDS)[number], limits: r.limits })) },
      200,
    );
  },
);

planRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/admin/plans/{id}',
    summary: "Change a plan's limits (cells pick them up with their next config pull)",
    tags: ['plans'],
    security: opsSecurity,
    middleware: [allow('plans.write')],
    request: {
      params: z.object({ id: z.enum(PLAN_IDS) }),
      body: jsonBody(z.object({ limits: limitsSchema }).strict()),
    },
    responses: { 200: json(z.object({ plan: planView })), ...commonErrors },
  }),
  async (c) => {
    const deps = c.get('deps');
    const actor = c.get('actor');
    const { id } = c.req.valid('param');
    const { limits } = c.req.valid('json');
    const row = await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .update(plans)
        .set({ limits, updatedAt: deps.clock.now() })
        .where(eq(plans.id, id))
        .returning();
      if (!row) throw new NotFound('plan');
      await bumpVersions(tx, 'config');
      await appendAudit(tx, {
        actor: actor.id,
        actorRole: actor.role,
        action: 'plans.write',
        targetType: 'plan',
        targetId: id,
        requestId: c.get('requestId'),
        outcome: 'ok',
        details: { limits },
      });
      return row;
    });
    return c.json({ plan: { id, limits: row.limits } }, 200);
  },
);
