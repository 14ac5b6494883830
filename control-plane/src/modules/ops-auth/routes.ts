import { createRoute, z } from '@hono/zod-openapi';
import { patternString } from '@quire/shared/input/text';
import { OPS_ROLES } from '../../actor.ts';
import { commonErrors, json, jsonBody, opsCtx, opsSecurity, router } from '../../http/openapi.ts';
import { cpIdPattern } from '../../ids.ts';
import { allow } from './middleware.ts';
import { tokenView } from './presenter.ts';
import { allowedActions, OPS_ACTIONS } from './roles.ts';
import { issueToken } from './verbs/issue-token.ts';
import { listTokens } from './verbs/list-tokens.ts';
import { revokeToken } from './verbs/revoke-token.ts';

/** Letters, digits, spaces and `._:-`, with something besides spaces (they are trimmed). */
const LABEL_PATTERN = '^[A-Za-z0-9 ._:-]*[A-Za-z0-9._:-][A-Za-z0-9 ._:-]*$';

export const opsTokenRoutes = router();

opsTokenRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/admin/ops-tokens',
    summary: 'Issue an ops token (shown once)',
    tags: ['ops'],
    security: opsSecurity,
    middleware: [allow('ops-tokens.create')],
    request: {
      body: jsonBody(
        z
          .object({
            label: patternString({
              pattern: LABEL_PATTERN,
              min: 1,
              max: 100,
              message: 'letters, digits, spaces and ._:- only, not only spaces',
            })
              .trim()
              .describe('What the token is for, e.g. "sales-ops laptop 3" (no personal names)'),
            role: z.enum(OPS_ROLES),
          })
          .strict()
          .openapi('IssueOpsToken'),
      ),
    },
    responses: {
      201: json(
        z.object({ token: z.string().describe('Shown once; stored only as a hash'), opsToken: tokenView }),
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await issueToken({ ctx: opsCtx(c), input: c.req.valid('json') }), 201),
);

opsTokenRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/ops-tokens',
    summary: 'List ops tokens (never the tokens themselves)',
    tags: ['ops'],
    security: opsSecurity,
    middleware: [allow('ops-tokens.list')],
    responses: { 200: json(z.object({ opsTokens: z.array(tokenView) })), ...commonErrors },
  }),
  async (c) => c.json(await listTokens({ ctx: opsCtx(c) }), 200),
);

opsTokenRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/admin/ops-tokens/{id}',
    summary: 'Revoke an ops token',
    tags: ['ops'],
    security: opsSecurity,
    middleware: [allow('ops-tokens.revoke')],
    request: { params: z.object({ id: z.string().regex(cpIdPattern('opt')) }) },
    responses: { 200: json(z.object({ opsToken: tokenView })), ...commonErrors },
  }),
  async (c) => c.json(await revokeToken({ ctx: opsCtx(c), input: c.req.valid('param') }), 200),
);

opsTokenRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/me',
    summary: 'The caller: its token, role and what that role may do (any ops token)',
    description:
      'For clients that offer only what the caller may do (the admin page shows no button its role lacks). Every route checks the role itself.',
    tags: ['ops'],
    security: opsSecurity,
    responses: {
      200: json(
        z
          .object({
            id: z.string().describe('The ops token id, or `bootstrap` for OPS_BOOTSTRAP_TOKEN'),
            role: z.enum(OPS_ROLES),
            actions: z
              .array(z.enum(OPS_ACTIONS))
              .describe("The actions the role allows (each route's check)"),
          })
          .openapi('OpsCaller'),
      ),
      ...commonErrors,
    },
  }),
  async (c) => {
    const actor = c.get('actor');
    return c.json({ id: actor.id, role: actor.role, actions: allowedActions(actor.role) }, 200);
  },
);
