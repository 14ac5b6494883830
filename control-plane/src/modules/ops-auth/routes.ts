import { createRoute, z } from '@hono/zod-openapi';
import { NotFound } from '@quire/shared/errors';
import { desc, eq } from 'drizzle-orm';
import { randomToken, sha256Hex } from '../../crypto/secret-box.ts';
import { opsTokens } from '../../db/schema/index.ts';
import { commonErrors, json, jsonBody, opsSecurity, router } from '../../http/openapi.ts';
import { cpId, cpIdPattern } from '../../ids.ts';
import { appendAudit } from '../audit/record.ts';
import { allow } from './middleware.ts';
import { OPS_ROLES } from './roles.ts';

const tokenView = z
  .object({
    id: z.string(),
    label: z.string(),
    role: z.enum(OPS_ROLES),
    createdBy: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('OpsToken');

type Row = typeof opsTokens.$inferSelect;
const present = (r: Row) => ({
  id: r.id,
  label: r.label,
  role: r.role as (typeof OPS_ROLES)[number],
  createdBy: r.createdBy,
  createdAt: r.createdAt.toISOString(),
  revokedAt: r.revokedAt?.toISOString() ?? null,
});

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
            label: z
              .string()
              .trim()
              .min(1)
              .max(100)
              .regex(/^[A-Za-z0-9 ._:-]+$/)
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
  async (c) => {
    const deps = c.get('deps');
    const actor = c.get('actor');
    const input = c.req.valid('json');
    const token = randomToken('qop');
    const row = await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(opsTokens)
        .values({ id: cpId('opt'), ...input, tokenHash: sha256Hex(token), createdBy: actor.id })
        .returning();
      await appendAudit(tx, {
        actor: actor.id,
        actorRole: actor.role,
        action: 'ops-tokens.create',
        targetType: 'ops_token',
        targetId: row!.id,
        requestId: c.get('requestId'),
        outcome: 'ok',
        details: { role: input.role },
      });
      return row!;
    });
    return c.json({ token, opsToken: present(row) }, 201);
  },
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
  async (c) => {
    const rows = await c.get('deps').db.select().from(opsTokens).orderBy(desc(opsTokens.createdAt));
    return c.json({ opsTokens: rows.map(present) }, 200);
  },
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
  async (c) => {
    const deps = c.get('deps');
    const actor = c.get('actor');
    const { id } = c.req.valid('param');
    const row = await deps.db.transaction(async (tx) => {
      const [existing] = await tx.select().from(opsTokens).where(eq(opsTokens.id, id)).for('update');
      if (!existing) throw new NotFound('ops token');
      const [row] = existing.revokedAt
        ? [existing]
        : await tx
            .update(opsTokens)
            .set({ revokedAt: deps.clock.now() })
            .where(eq(opsTokens.id, id))
            .returning();
      await appendAudit(tx, {
        actor: actor.id,
        actorRole: actor.role,
        action: 'ops-tokens.revoke',
        targetType: 'ops_token',
        targetId: id,
        requestId: c.get('requestId'),
        outcome: 'ok',
      });
      return row!;
    });
    return c.json({ opsToken: present(row) }, 200);
  },
);
