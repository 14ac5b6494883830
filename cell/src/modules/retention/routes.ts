import { createRoute, z } from '@hono/zod-openapi';
import { idSchema } from '@quire/shared/input/ids';
import { lineSchema } from '@quire/shared/input/text';
import { bearer, commonErrors, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import {
  createPolicy,
  deletePolicy,
  dryRunPolicy,
  getPolicy,
  listPolicies,
  runPolicyNow,
  updatePolicy,
} from './verbs.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['compliance'] };
const policySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: z.object({ kind: z.enum(['folder', 'tag', 'type']), value: z.string() }),
    basis: z.enum(['created', 'updated']),
    keepDays: z.number().int(),
    action: z.enum(['trash', 'delete']),
    enabled: z
      .boolean()
      .describe('A disabled policy is not run by the daily pass (an admin may still run it)'),
    createdBy: z.string(),
    createdAt: z.string(),
    lastRunAt: z.string().nullable(),
  })
  .openapi('RetentionPolicy');
const planSchema = z
  .object({
    asOf: z.string().describe('The instant the plan was made for'),
    action: z.enum(['trash', 'delete']),
    items: z.array(z.object({ id: z.string(), title: z.string(), basisAt: z.string() })),
    held: z.array(z.object({ id: z.string(), holdIds: z.array(z.string()) })),
    removed: z.array(z.string()).optional().describe('Runs only: what was removed'),
  })
  .openapi('RetentionPlan');
const idParams = z.object({ id: idSchema('retentionPolicy', 'Retention policy id') });

const scope = z
  .discriminatedUnion('kind', [
    z
      .object({ kind: z.literal('folder'), value: idSchema('folder', 'Everything below this folder') })
      .strict(),
    z.object({ kind: z.literal('tag'), value: lineSchema(64).describe('Documents with this tag') }).strict(),
    z
      .object({
        kind: z.literal('type'),
        value: z
          .string()
          .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126})$/)
          .describe("The current version's content type, e.g. application/pdf; image/* for a family"),
      })
      .strict(),
  ])
  .openapi('RetentionScope');

export const retentionRoutes = router();

retentionRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/retention-policies',
    summary: 'Add a retention policy (admins)',
    description:
      'Documents of a folder, tag or type are kept `keepDays` after creation or last change (`basis`), then trashed or deleted permanently by the worker (daily) or an admin-triggered run. Documents under legal hold are never touched: they are listed as `held` and queued behind the hold.',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                name: lineSchema(200),
                scope,
                basis: z.enum(['created', 'updated']),
                keepDays: z.number().int().min(0).max(36500),
                action: z.enum(['trash', 'delete']),
                enabled: z.boolean().optional(),
              })
              .strict()
              .openapi('CreateRetentionPolicy'),
          },
        },
      },
    },
    responses: { 201: json(policySchema, 'Created'), ...commonErrors },
  }),
  async (c) => c.json(await createPolicy({ ctx: c.get('ctx'), input: c.req.valid('json') }), 201),
);

retentionRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/retention-policies',
    summary: "The tenant's retention policies (admins)",
    responses: { 200: json(z.object({ items: z.array(policySchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listPolicies({ ctx: c.get('ctx') }), 200),
);

retentionRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/retention-policies/{id}',
    summary: 'A retention policy (admins)',
    request: { params: idParams },
    responses: { 200: json(policySchema), ...commonErrors },
  }),
  async (c) => c.json(await getPolicy({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

retentionRoutes.openapi(
  createRoute({
    ...auth,
    method: 'patch',
    path: '/v1/retention-policies/{id}',
    summary: 'Change a retention policy (admins)',
    description:
      'Its name, how long documents are kept and from when, what happens then, and whether the daily pass runs it. The scope stays: a policy for something else is a new policy. Audited with the values before and after.',
    request: {
      params: idParams,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                name: lineSchema(200).optional(),
                basis: z.enum(['created', 'updated']).optional(),
                keepDays: z.number().int().min(0).max(36500).optional(),
                action: z.enum(['trash', 'delete']).optional(),
                enabled: z.boolean().optional(),
              })
              .strict()
              .refine((b) => Object.keys(b).length > 0, { message: 'change at least one field' })
              .openapi('UpdateRetentionPolicy', { minProperties: 1 }),
          },
        },
      },
    },
    responses: { 200: json(policySchema), ...commonErrors },
  }),
  async (c) =>
    c.json(
      await updatePolicy({
        ctx: c.get('ctx'),
        input: { id: c.req.valid('param').id, ...c.req.valid('json') },
      }),
      200,
    ),
);

retentionRoutes.openapi(
  createRoute({
    ...auth,
    method: 'delete',
    path: '/v1/retention-policies/{id}',
    summary: 'Remove a retention policy (admins)',
    request: { params: idParams },
    responses: { 204: { description: 'Removed' }, ...commonErrors },
  }),
  async (c) => {
    await deletePolicy({ ctx: c.get('ctx'), input: c.req.valid('param') });
    return c.body(null, 204);
  },
);

retentionRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/retention-policies/{id}/dry-run',
    summary: 'What the policy would remove now, and what legal holds keep (admins)',
    request: { params: idParams },
    responses: { 200: json(planSchema), ...commonErrors },
  }),
  async (c) => c.json(await dryRunPolicy({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

retentionRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/retention-policies/{id}/run',
    summary: 'Run the policy now (admins): removes what its dry run lists at this moment',
    request: { params: idParams },
    responses: { 200: json(planSchema), ...commonErrors },
  }),
  async (c) => c.json(await runPolicyNow({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);
