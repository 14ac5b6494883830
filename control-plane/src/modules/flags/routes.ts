import { createRoute, z } from '@hono/zod-openapi';
import { QuireError } from '@quire/shared/errors';
import { PLAN_IDS } from '@quire/shared/plans';
import { flagValueSchema } from '@quire/shared/routing';
import { and, eq, inArray } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../../context.ts';
import { type FlagValue, flagDefinitions, planFlags, tenantFlags } from '../../db/schema/index.ts';
import { bumpVersions } from '../../db/versions.ts';
import { commonErrors, json, jsonBody, opsSecurity, router } from '../../http/openapi.ts';
import { appendAudit } from '../audit/record.ts';
import { allow } from '../ops-auth/middleware.ts';
import { findTenant, idOrSlugSchema } from '../tenants/presenter.ts';
import { effectiveFlags } from './effective.ts';

const FLAG_KEY = /^[a-z][a-z0-9_.-]{1,63}$/;
const flagKey = z.string().regex(FLAG_KEY).openapi({ example: 'search.semantic' });

const definitionView = z
  .object({
    key: z.string(),
    description: z.string(),
    default: flagValueSchema,
    plans: z
      .record(z.string(), flagValueSchema)
      .describe('Per-plan values (a plan not listed uses the default)'),
  })
  .openapi('FlagDefinition');

const effectiveView = z
  .object({
    tenantId: z.string(),
    flags: z.array(
      z.object({ key: z.string(), value: flagValueSchema, source: z.enum(['default', 'plan', 'tenant']) }),
    ),
  })
  .openapi('TenantFlags');

/** A value must keep the type of the flag's default: a boolean flag never becomes "yes". */
function checkType(def: { key: string; defaultValue: FlagValue }, value: FlagValue, path: string) {
  if (typeof value !== typeof def.defaultValue)
    throw new QuireError('validation_failed', 'request is invalid', [
      { path, message: `flag ${def.key} takes a ${typeof def.defaultValue}` },
    ]);
}

async function definitions(c: Context<AppEnv>) {
  const db = c.get('deps').db;
  const defs = await db.select().from(flagDefinitions).orderBy(flagDefinitions.key);
  const perPlan = await db.select().from(planFlags);
  return defs.map((d) => ({
    key: d.key,
    description: d.description,
    default: d.defaultValue,
    plans: Object.fromEntries(perPlan.filter((p) => p.flagKey === d.key).map((p) => [p.planId, p.value])),
  }));
}

export const flagRoutes = router();

flagRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/flags',
    summary: 'Feature flag definitions with their per-plan values',
    tags: ['flags'],
    security: opsSecurity,
    middleware: [allow('flags.read')],
    responses: { 200: json(z.object({ flags: z.array(definitionView) })), ...commonErrors },
  }),
  async (c) => c.json({ flags: await definitions(c) }, 200),
);

flagRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/admin/flags/{key}',
    summary: 'Define or change a flag: its default and per-plan values (null removes a plan value)',
    tags: ['flags'],
    security: opsSecurity,
    middleware: [allow('flags.write')],
    request: {
      params: z.object({ key: flagKey }),
      body: jsonBody(
        z
          .object({
            description: z.string().max(500).optional(),
            default: flagValueSchema,
            plans: z.partialRecord(z.enum(PLAN_IDS), flagValueSchema.nullable()).optional(),
          })
          .strict()
          .openapi('PutFlag'),
      ),
    },
    responses: { 200: json(z.object({ flag: definitionView })), ...commonErrors },
  }),
  async (c) => {
    const deps = c.get('deps');
    const actor = c.get('actor');
    const { key } = c.req.valid('param');
    const input = c.req.valid('json');
    const def = { key, defaultValue: input.default };
    for (const [plan, value] of Object.entries(input.plans ?? {}))
      if (value !== null && value !== undefined) checkType(def, value, `plans.${plan}`);
    await deps.db.transaction(async (tx) => {
      const now = deps.clock.now();
      await tx
        .insert(flagDefinitions)
        .values({ key, description: input.description ?? '', defaultValue: input.default })
        .onConflictDoUpdate({
          target: flagDefinitions.key,
          set: {
            defaultValue: input.default,
            ...(input.description !== undefined ? { description: input.description } : {}),
            updatedAt: now,
          },
        });
      for (const [planId, value] of Object.entries(input.plans ?? {})) {
        if (value === null || value === undefined) {
          await tx.delete(planFlags).where(and(eq(planFlags.planId, planId), eq(planFlags.flagKey, key)));
        } else {
          await tx
            .insert(planFlags)
            .values({ planId, flagKey: key, value })
            .onConflictDoUpdate({ target: [planFlags.planId, planFlags.flagKey], set: { value } });
        }
      }
      await bumpVersions(tx, 'config');
      await appendAudit(tx, {
        actor: actor.id,
        actorRole: actor.role,
        action: 'flags.write',
        targetType: 'flag',
        targetId: key,
        requestId: c.get('requestId'),
        outcome: 'ok',
        details: { default: input.default, plans: input.plans ?? {} },
      });
    });
    const flag = (await definitions(c)).find((d) => d.key === key)!;
    return c.json({ flag }, 200);
  },
);

flagRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/tenants/{idOrSlug}/flags',
    summary: "A tenant's effective flags and where each value comes from (default → plan → tenant)",
    tags: ['flags'],
    security: opsSecurity,
    middleware: [allow('tenants.flags')],
    request: { params: z.object({ idOrSlug: idOrSlugSchema }) },
    responses: { 200: json(effectiveView), ...commonErrors },
  }),
  async (c) => {
    const db = c.get('deps').db;
    const tenant = await findTenant(db, c.req.valid('param').idOrSlug);
    return c.json({ tenantId: tenant.id, flags: await effectiveFlags(db, tenant) }, 200);
  },
);

flagRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/admin/tenants/{idOrSlug}/flags',
    summary: 'Set per-tenant flag values (null clears the tenant value)',
    tags: ['flags'],
    security: opsSecurity,
    middleware: [allow('tenants.flags')],
    request: {
      params: z.object({ idOrSlug: idOrSlugSchema }),
      body: jsonBody(
        z
          .object({
            flags: z
              .record(flagKey, flagValueSchema.nullable())
              .refine((r) => Object.keys(r).length > 0 && Object.keys(r).length <= 100, '1 to 100 flags'),
          })
          .strict()
          .openapi('SetTenantFlags'),
      ),
    },
    responses: { 200: json(effectiveView), ...commonErrors },
  }),
  async (c) => {
    const deps = c.get('deps');
    const actor = c.get('actor');
    const { flags } = c.req.valid('json');
    const tenant = await deps.db.transaction(async (tx) => {
      const tenant = await findTenant(tx, c.req.valid('param').idOrSlug, true);
      const keys = Object.keys(flags);
      const defs = await tx.select().from(flagDefinitions).where(inArray(flagDefinitions.key, keys));
      for (const key of keys) {
        const def = defs.find((d) => d.key === key);
        if (!def)
          throw new QuireError('validation_failed', 'request is invalid', [
            { path: `flags.${key}`, message: 'no such flag (define it first: PUT /v1/admin/flags/{key})' },
          ]);
        const value = flags[key];
        if (value === null || value === undefined) {
          await tx
            .delete(tenantFlags)
            .where(and(eq(tenantFlags.tenantId, tenant.id), eq(tenantFlags.flagKey, key)));
        } else {
          checkType(def, value, `flags.${key}`);
          await tx
            .insert(tenantFlags)
            .values({ tenantId: tenant.id, flagKey: key, value })
            .onConflictDoUpdate({ target: [tenantFlags.tenantId, tenantFlags.flagKey], set: { value } });
        }
      }
      await bumpVersions(tx, 'config');
      await appendAudit(tx, {
        actor: actor.id,
        actorRole: actor.role,
        action: 'tenants.flags',
        targetType: 'tenant',
        targetId: tenant.id,
        requestId: c.get('requestId'),
        outcome: 'ok',
        details: { flags },
      });
      return tenant;
    });
    return c.json({ tenantId: tenant.id, flags: await effectiveFlags(deps.db, tenant) }, 200);
  },
);
