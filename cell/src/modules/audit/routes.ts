import { createRoute, z } from '@hono/zod-openapi';
import { instantSchema } from '@quire/shared/input/instant';
import { bearer, commonErrors, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { queryAudit } from './verbs/query.ts';
import { verifyAudit } from './verbs/verify.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['audit'] };
const token = z.string().regex(/^[a-z0-9_.-]{1,64}$/);

export const auditRoutes = router();

auditRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/audit',
    summary: 'The tenant audit log, newest first (admins)',
    request: {
      query: z.object({
        actorId: token.optional(),
        action: token.optional().openapi({ description: 'e.g. document.downloaded' }),
        resourceId: token.optional(),
        from: instantSchema.optional().meta({ description: 'Entries at or after this instant' }),
        to: instantSchema.optional().meta({ description: 'Entries before this instant' }),
        before: z.coerce
          .number()
          .int()
          .min(1)
          .max(Number.MAX_SAFE_INTEGER)
          .optional()
          .openapi({ description: 'Cursor: entries with a lower id (nextBefore of the previous page)' }),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
    },
    responses: {
      200: json(
        z.object({ items: z.array(z.record(z.string(), z.unknown())), nextBefore: z.number().nullable() }),
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await queryAudit({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);

auditRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/audit/verify',
    summary: 'Verify the hash chain of sealed entries and report the unsealed tail (admins)',
    responses: {
      200: json(
        z.object({
          ok: z
            .boolean()
            .openapi({ description: 'Every sealed link holds and no entry was written around the sealer' }),
          checked: z.number().openapi({ description: 'Links recomputed' }),
          firstBrokenSeq: z.number().nullable().openapi({ description: 'The first link that does not hold' }),
          personalUnverifiable: z.number().openapi({
            description: 'Links whose personal digest cannot be checked: the subject was erased',
          }),
          unsealed: z
            .number()
            .openapi({ description: 'Entries not chained yet (the sealer lags by seconds)' }),
          unsealedSince: z
            .string()
            .nullable()
            .openapi({ description: 'When the oldest unsealed entry happened' }),
          unchainedBehind: z
            .number()
            .openapi({ description: 'Entries the sealer has passed without chaining: written around it' }),
        }),
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await verifyAudit({ ctx: c.get('ctx') }), 200),
);
