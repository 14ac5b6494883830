import { createRoute, z } from '@hono/zod-openapi';
import { PLAN_IDS, PLAN_LIMIT_KEYS, planLimitSchema } from '@quire/shared/plans';
import { commonErrors, json, jsonBody, opsCtx, opsSecurity, router } from '../../http/openapi.ts';
import { allow } from '../ops-auth/middleware.ts';
import { listPlans } from './verbs/list-plans.ts';
import { setPlanLimits } from './verbs/set-plan-limits.ts';

const limitsSchema = z
  .object(
    Object.fromEntries(PLAN_LIMIT_KEYS.map((k) => [k, planLimitSchema.nullable()])) as Record<
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
  async (c) => c.json(await listPlans({ ctx: opsCtx(c) }), 200),
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
  async (c) =>
    c.json(
      await setPlanLimits({ ctx: opsCtx(c), input: { ...c.req.valid('param'), ...c.req.valid('json') } }),
      200,
    ),
);
