import { createRoute, z } from '@hono/zod-openapi';
import {
  commonErrors,
  errorResponse,
  json,
  jsonBody,
  opsCtx,
  opsSecurity,
  router,
} from '../../http/openapi.ts';
import { effectiveView, FLAG_KEY_PATTERN, flagInputValue, flagKeySchema } from '../flags/schemas.ts';
import { allow } from '../ops-auth/middleware.ts';
import { tenantParams } from './schemas.ts';
import { getTenantFlags, setTenantFlags } from './verbs/tenant-flags.ts';

/** A tenant's own flag values (the definitions and per-plan values are the flags module's). */
export const tenantFlagRoutes = router();

tenantFlagRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/tenants/{idOrSlug}/flags',
    summary: "A tenant's effective flags and where each value comes from (default → plan → tenant)",
    tags: ['flags'],
    security: opsSecurity,
    // Reading is for every role that reads flags; setting them (PUT) is tenants.flags.
    middleware: [allow('flags.read')],
    request: { params: tenantParams },
    responses: { 200: json(effectiveView), ...commonErrors },
  }),
  async (c) => c.json(await getTenantFlags({ ctx: opsCtx(c), input: c.req.valid('param') }), 200),
);

tenantFlagRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/admin/tenants/{idOrSlug}/flags',
    summary: 'Set per-tenant flag values (null clears the tenant value)',
    tags: ['flags'],
    security: opsSecurity,
    middleware: [allow('tenants.flags')],
    request: {
      params: tenantParams,
      body: jsonBody(
        z
          .object({
            flags: z
              .record(flagKeySchema, flagInputValue.nullable())
              .refine((r) => Object.keys(r).length > 0 && Object.keys(r).length <= 100, '1 to 100 flags')
              // The generator shows neither the key rule nor the count: stated as the check applies them.
              .meta({ propertyNames: { pattern: FLAG_KEY_PATTERN }, minProperties: 1, maxProperties: 100 }),
          })
          .strict()
          .openapi('SetTenantFlags'),
      ),
    },
    responses: {
      200: json(effectiveView),
      ...commonErrors,
      404: errorResponse('No such tenant, or a flag that is not defined'),
      409: errorResponse("A value of another type than the flag's default (details.reason flag_type)"),
    },
  }),
  async (c) =>
    c.json(
      await setTenantFlags({ ctx: opsCtx(c), input: { ...c.req.valid('param'), ...c.req.valid('json') } }),
      200,
    ),
);
