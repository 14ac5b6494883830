import { createRoute, z } from '@hono/zod-openapi';
import { DOMAIN_INPUT_PATTERN } from '@quire/shared/discovery';
import { patternString } from '@quire/shared/input/text';
import { bodyErrors, commonErrors, json, jsonBody, opsCtx, opsSecurity, router } from '../../http/openapi.ts';
import { allow } from '../ops-auth/middleware.ts';
import { claimDomain, listDomains, removeDomain, verifyDomain } from './verbs.ts';

/** Sales ops register a customer's company domains for discovery; DNS proves them. Domains travel in bodies. */
const params = z.object({ idOrSlug: z.string().regex(/^(ten_)?[a-z0-9][a-z0-9-]{0,39}$/) });
const domainBody = jsonBody(
  z
    .object({
      domain: patternString({
        pattern: DOMAIN_INPUT_PATTERN,
        min: 4,
        max: 253,
        message: 'must be a domain name with at least two labels (example.com)',
      }),
    })
    .strict(),
);
const domainSchema = z.object({
  domain: z.string(),
  verified: z.boolean(),
  verifiedAt: z.string().nullable(),
  lastCheckedAt: z.string().nullable(),
  txtRecord: z
    .object({ name: z.string(), value: z.string() })
    .describe('Publish this TXT record, then verify'),
});
const common = { tags: ['tenants'], security: opsSecurity, middleware: [allow('tenants.domains')] };

export const domainRoutes = router();

domainRoutes.openapi(
  createRoute({
    ...common,
    method: 'post',
    path: '/v1/admin/tenants/{idOrSlug}/domains',
    summary: 'Claim a company domain for discovery (answers the TXT record to publish)',
    request: { params, body: domainBody },
    responses: { 200: json(domainSchema), ...commonErrors, ...bodyErrors },
  }),
  async (c) =>
    c.json(
      await claimDomain({ ctx: opsCtx(c), input: { ...c.req.valid('param'), ...c.req.valid('json') } }),
      200,
    ),
);

domainRoutes.openapi(
  createRoute({
    ...common,
    method: 'post',
    path: '/v1/admin/tenants/{idOrSlug}/domains/verify',
    summary: 'Check the domain’s TXT record now; verified once it holds the token',
    request: { params, body: domainBody },
    responses: { 200: json(domainSchema), ...commonErrors, ...bodyErrors },
  }),
  async (c) =>
    c.json(
      await verifyDomain({ ctx: opsCtx(c), input: { ...c.req.valid('param'), ...c.req.valid('json') } }),
      200,
    ),
);

domainRoutes.openapi(
  createRoute({
    ...common,
    method: 'get',
    path: '/v1/admin/tenants/{idOrSlug}/domains',
    summary: 'The tenant’s claimed and verified domains',
    request: { params },
    responses: { 200: json(z.object({ items: z.array(domainSchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listDomains({ ctx: opsCtx(c), input: c.req.valid('param') }), 200),
);

domainRoutes.openapi(
  createRoute({
    ...common,
    method: 'post',
    path: '/v1/admin/tenants/{idOrSlug}/domains/remove',
    summary: 'Forget a domain (discovery stops answering it)',
    request: { params, body: domainBody },
    responses: { 204: { description: 'Removed' }, ...commonErrors, ...bodyErrors },
  }),
  async (c) => {
    await removeDomain({ ctx: opsCtx(c), input: { ...c.req.valid('param'), ...c.req.valid('json') } });
    return c.body(null, 204);
  },
);
