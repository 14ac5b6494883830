import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../context.ts';
import { bearer, commonErrors, errorSchema, idParam, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { MAX_TOKEN_DAYS } from '../identity/verbs/api-tokens.ts';
import { SCIMMY } from './resources.ts';
import { createScimToken, listScimTokens, revokeScimToken, runScim, type ScimResult } from './verbs.ts';

/**
 * SCIM 2.0 for provisioning clients (Okta, Entra ID…), authenticated by a per-tenant SCIM
 * token (an access token of kind `scim`, which reaches nothing but /scim/v2). Base URL:
 * `https://<tenant>.<host>/scim/v2`. Clients put filters (`userName eq "…"`) in the query
 * string, as RFC 7644 has them do; POST /scim/v2/Users/.search takes them in the body instead.
 */
const SCIM_JSON = 'application/scim+json';
const auth = { security: bearer, middleware: requireUser(), tags: ['scim'] };
const scimBody = {
  required: true,
  content: {
    [SCIM_JSON]: { schema: z.record(z.string(), z.unknown()) },
    'application/json': { schema: z.record(z.string(), z.unknown()) },
  },
};
const scimAnswer = (description = 'OK') => ({
  description,
  content: { [SCIM_JSON]: { schema: z.record(z.string(), z.unknown()) } },
});
const listQuery = z.object({
  filter: z.string().max(1000).optional(),
  startIndex: z.coerce.number().int().min(1).optional(),
  count: z.coerce.number().int().min(0).max(200).optional(),
  attributes: z.string().max(1000).optional(),
  excludedAttributes: z.string().max(1000).optional(),
});
type ListQuery = z.infer<typeof listQuery>;
/** SCIM's error schema with our envelope beside it (verbs.ts): either media type describes it. */
const resourceErrors = {
  ...commonErrors,
  409: {
    description: 'Conflict (a SCIM error, with the error envelope beside its fields)',
    content: {
      'application/json': { schema: errorSchema },
      [SCIM_JSON]: { schema: errorSchema },
    },
  },
};

/** A SCIM answer (its own media type and status); typed loosely for the OpenAPI handler. */
const send = (c: Context<AppEnv>, r: ScimResult): never =>
  (r.status === 204
    ? c.body(null, 204)
    : c.body(JSON.stringify(r.body), r.status as 200, { 'content-type': SCIM_JSON })) as never;

async function bodyOf(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const parsed = await c.req.json().catch(() => null);
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {};
}

export const scimRoutes = router();

for (const [name, Resource] of [
  ['Users', SCIMMY.Resources.User],
  ['Groups', SCIMMY.Resources.Group],
] as const) {
  const prefix = name === 'Users' ? 'usr' : 'grp';
  const params = z.object({ id: idParam(prefix, `${name.slice(0, -1)} id`) });
  const list = (c: Context<AppEnv>, q: ListQuery) =>
    runScim(c.get('ctx'), 200, (s) => new Resource(q as never).read(s), { readOnly: true });

  scimRoutes.openapi(
    createRoute({
      ...auth,
      method: 'get',
      path: `/scim/v2/${name}`,
      summary: `SCIM: list or filter ${name}`,
      request: { query: listQuery },
      responses: { 200: scimAnswer(), ...resourceErrors },
    }),
    async (c) => send(c, await list(c, c.req.valid('query'))),
  );
  scimRoutes.openapi(
    createRoute({
      ...auth,
      method: 'post',
      path: `/scim/v2/${name}/.search`,
      summary: `SCIM: search ${name} with the query in the body`,
      request: { body: scimBody },
      responses: { 200: scimAnswer(), ...resourceErrors },
    }),
    async (c) => send(c, await list(c, listQuery.parse(await bodyOf(c)))),
  );
  scimRoutes.openapi(
    createRoute({
      ...auth,
      method: 'post',
      path: `/scim/v2/${name}`,
      summary: `SCIM: create a ${name.slice(0, -1).toLowerCase()}`,
      request: { body: scimBody },
      responses: { 201: scimAnswer('Created'), ...resourceErrors },
    }),
    async (c) => {
      const body = await bodyOf(c);
      return send(c, await runScim(c.get('ctx'), 201, (s) => new Resource().write(body, s)));
    },
  );
  scimRoutes.openapi(
    createRoute({
      ...auth,
      method: 'get',
      path: `/scim/v2/${name}/{id}`,
      summary: `SCIM: one ${name.slice(0, -1).toLowerCase()}`,
      request: { params, query: listQuery.pick({ attributes: true, excludedAttributes: true }) },
      responses: { 200: scimAnswer(), ...resourceErrors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      return send(
        c,
        await runScim(c.get('ctx'), 200, (s) => new Resource(id, q as never).read(s), { readOnly: true }),
      );
    },
  );
  scimRoutes.openapi(
    createRoute({
      ...auth,
      method: 'put',
      path: `/scim/v2/${name}/{id}`,
      summary: `SCIM: replace a ${name.slice(0, -1).toLowerCase()} (active: false deprovisions a user)`,
      request: { params, body: scimBody },
      responses: { 200: scimAnswer(), ...resourceErrors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = await bodyOf(c);
      return send(c, await runScim(c.get('ctx'), 200, (s) => new Resource(id).write(body, s)));
    },
  );
  scimRoutes.openapi(
    createRoute({
      ...auth,
      method: 'patch',
      path: `/scim/v2/${name}/{id}`,
      summary: `SCIM: PatchOp on a ${name.slice(0, -1).toLowerCase()}`,
      request: { params, body: scimBody },
      responses: { 200: scimAnswer(), ...resourceErrors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = await bodyOf(c);
      return send(c, await runScim(c.get('ctx'), 200, (s) => new Resource(id).patch(body as never, s)));
    },
  );
  scimRoutes.openapi(
    createRoute({
      ...auth,
      method: 'delete',
      path: `/scim/v2/${name}/{id}`,
      summary:
        name === 'Users'
          ? 'SCIM: deprovision a user (offboarding; the row stays)'
          : 'SCIM: delete a group and its grants',
      request: { params },
      responses: { 204: { description: 'Done' }, ...resourceErrors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return send(c, await runScim(c.get('ctx'), 204, (s) => new Resource(id).dispose(s)));
    },
  );
}

for (const [path, Resource] of [
  ['ServiceProviderConfig', SCIMMY.Resources.ServiceProviderConfig],
  ['ResourceTypes', SCIMMY.Resources.ResourceType],
  ['Schemas', SCIMMY.Resources.Schema],
] as const) {
  scimRoutes.openapi(
    createRoute({
      ...auth,
      method: 'get',
      path: `/scim/v2/${path}`,
      summary: `SCIM: ${path}`,
      responses: { 200: scimAnswer(), ...commonErrors },
    }),
    async (c) =>
      send(
        c,
        await runScim(c.get('ctx'), 200, () => new (Resource as typeof SCIMMY.Resources.Schema)().read(), {
          readOnly: true,
        }),
      ),
  );
}

const tokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    createdBy: z.string(),
  })
  .openapi('ScimToken');

scimRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/scim/tokens',
    summary: 'Create the SCIM token a provisioning client uses (admins; shown once)',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                name: z.string().trim().min(1).max(100),
                expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(MAX_TOKEN_DAYS),
              })
              .strict(),
          },
        },
      },
    },
    responses: { 201: json(tokenSchema.extend({ token: z.string() }), 'Created'), ...commonErrors },
  }),
  async (c) => c.json(await createScimToken({ ctx: c.get('ctx'), input: c.req.valid('json') }), 201),
);

scimRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/scim/tokens',
    summary: 'The tenant’s live SCIM tokens (admins)',
    responses: { 200: json(z.object({ items: z.array(tokenSchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listScimTokens({ ctx: c.get('ctx') }), 200),
);

scimRoutes.openapi(
  createRoute({
    ...auth,
    method: 'delete',
    path: '/v1/scim/tokens/{id}',
    summary: 'Revoke a SCIM token (admins)',
    request: { params: z.object({ id: idParam('tok', 'SCIM token id') }) },
    responses: { 204: { description: 'Revoked' }, ...commonErrors },
  }),
  async (c) => {
    await revokeScimToken({ ctx: c.get('ctx'), input: c.req.valid('param') });
    return c.body(null, 204);
  },
);
