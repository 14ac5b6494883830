import { createRoute, z } from '@hono/zod-openapi';
import { Conflict, NotFound } from '@quire/shared/errors';
import { CELL_ID_PATTERN, REGION_PATTERN } from '@quire/shared/routing';
import { eq, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../../context.ts';
import { randomToken, sealSecret, sha256Hex } from '../../crypto/secret-box.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { cells, tenants } from '../../db/schema/index.ts';
import { bumpVersions } from '../../db/versions.ts';
import { commonErrors, json, jsonBody, opsSecurity, router } from '../../http/openapi.ts';
import { appendAudit } from '../audit/record.ts';
import { allow } from '../ops-auth/middleware.ts';
import { cellView, presentCell } from './presenter.ts';

const cellIdParam = z.object({
  id: z.string().regex(CELL_ID_PATTERN).openapi({ description: 'Cell id', example: 'eu-1' }),
});
const credentialResult = z.object({
  cell: cellView,
  credential: z
    .string()
    .describe("Shown once: the cell's INTERNAL_API_TOKEN, used both ways between cell and control plane"),
});

async function homedCounts(c: Context<AppEnv>): Promise<Map<string, number>> {
  const rows = await c
    .get('deps')
    .db.select({ cellId: tenants.cellId, n: sql<number>`count(*)::int` })
    .from(tenants)
    .where(sql`${tenants.status} <> 'deleted' and ${tenants.cellId} is not null`)
    .groupBy(tenants.cellId);
  return new Map(rows.map((r) => [r.cellId!, r.n]));
}

function newCredential(secretKey: Buffer, cellId: string) {
  const credential = randomToken('qcc');
  return {
    credential,
    credentialHash: sha256Hex(credential),
    credentialSealed: sealSecret(secretKey, credential, cellId),
  };
}

export const cellAdminRoutes = router();

cellAdminRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/admin/cells',
    summary: 'Open a slot for a cell: the region team deploys it with the credential returned (once)',
    tags: ['cells'],
    security: opsSecurity,
    middleware: [allow('cells.create')],
    request: {
      body: jsonBody(
        z
          .object({
            id: z.string().regex(CELL_ID_PATTERN).openapi({ example: 'eu-2' }),
            region: z.string().regex(REGION_PATTERN).openapi({ example: 'eu' }),
          })
          .strict()
          .openapi('CreateCell'),
      ),
    },
    responses: { 201: json(credentialResult), ...commonErrors },
  }),
  async (c) => {
    const deps = c.get('deps');
    const actor = c.get('actor');
    const input = c.req.valid('json');
    const secret = newCredential(deps.secretKey, input.id);
    const row = await deps.db
      .transaction(async (tx) => {
        const [row] = await tx
          .insert(cells)
          .values({ id: input.id, region: input.region, ...secret, capacity: 0 })
          .returning();
        await appendAudit(tx, {
          actor: actor.id,
          actorRole: actor.role,
          action: 'cells.create',
          targetType: 'cell',
          targetId: input.id,
          requestId: c.get('requestId'),
          outcome: 'ok',
          details: { region: input.region },
        });
        return row!;
      })
      .catch((err) => {
        if (isUniqueViolation(err))
          throw new Conflict(`cell ${input.id} already exists`, { reason: 'cell_exists' });
        throw err;
      });
    return c.json({ cell: presentCell(row, 0), credential: secret.credential }, 201);
  },
);

cellAdminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/cells',
    summary: 'List cells with their status and load',
    tags: ['cells'],
    security: opsSecurity,
    middleware: [allow('cells.list')],
    responses: { 200: json(z.object({ cells: z.array(cellView) })), ...commonErrors },
  }),
  async (c) => {
    const rows = await c.get('deps').db.select().from(cells).orderBy(cells.region, cells.id);
    const homed = await homedCounts(c);
    return c.json({ cells: rows.map((r) => presentCell(r, homed.get(r.id) ?? 0)) }, 200);
  },
);

cellAdminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/cells/{id}',
    summary: 'One cell',
    tags: ['cells'],
    security: opsSecurity,
    middleware: [allow('cells.show')],
    request: { params: cellIdParam },
    responses: { 200: json(z.object({ cell: cellView })), ...commonErrors },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const [row] = await c.get('deps').db.select().from(cells).where(eq(cells.id, id));
    if (!row) throw new NotFound('cell');
    const homed = await homedCounts(c);
    return c.json({ cell: presentCell(row, homed.get(id) ?? 0) }, 200);
  },
);

for (const [verb, draining] of [
  ['drain', true],
  ['undrain', false],
] as const) {
  cellAdminRoutes.openapi(
    createRoute({
      method: 'post',
      path: `/v1/admin/cells/{id}/${verb}`,
      summary: draining
        ? 'Drain a cell: it keeps serving its tenants but gets no new ones'
        : 'Undrain a cell: it may receive new tenants again',
      tags: ['cells'],
      security: opsSecurity,
      middleware: [allow(`cells.${verb}`)],
      request: { params: cellIdParam },
      responses: { 200: json(z.object({ cell: cellView })), ...commonErrors },
    }),
    async (c) => {
      const deps = c.get('deps');
      const actor = c.get('actor');
      const { id } = c.req.valid('param');
      const row = await deps.db.transaction(async (tx) => {
        const [before] = await tx.select().from(cells).where(eq(cells.id, id)).for('update');
        if (!before) throw new NotFound('cell');
        const [row] = await tx
          .update(cells)
          .set({ draining, updatedAt: deps.clock.now() })
          .where(eq(cells.id, id))
          .returning();
        if (before.draining !== draining) await bumpVersions(tx, 'routing');
        await appendAudit(tx, {
          actor: actor.id,
          actorRole: actor.role,
          action: `cells.${verb}`,
          targetType: 'cell',
          targetId: id,
          requestId: c.get('requestId'),
          outcome: 'ok',
          details: { changed: before.draining !== draining },
        });
        return row!;
      });
      const homed = await homedCounts(c);
      return c.json({ cell: presentCell(row, homed.get(id) ?? 0) }, 200);
    },
  );
}

cellAdminRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/admin/cells/{id}/credential',
    summary: "Rotate a cell's credential (the old one stops working at once; shown once)",
    tags: ['cells'],
    security: opsSecurity,
    middleware: [allow('cells.rotate-credential')],
    request: { params: cellIdParam },
    responses: { 200: json(credentialResult), ...commonErrors },
  }),
  async (c) => {
    const deps = c.get('deps');
    const actor = c.get('actor');
    const { id } = c.req.valid('param');
    const secret = newCredential(deps.secretKey, id);
    const row = await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .update(cells)
        .set({ ...secret, updatedAt: deps.clock.now() })
        .where(eq(cells.id, id))
        .returning();
      if (!row) throw new NotFound('cell');
      await appendAudit(tx, {
        actor: actor.id,
        actorRole: actor.role,
        action: 'cells.rotate-credential',
        targetType: 'cell',
        targetId: id,
        requestId: c.get('requestId'),
        outcome: 'ok',
      });
      return row;
    });
    const homed = await homedCounts(c);
    return c.json({ cell: presentCell(row, homed.get(id) ?? 0), credential: secret.credential }, 200);
  },
);
