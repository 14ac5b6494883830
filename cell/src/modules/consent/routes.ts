import { createRoute, z } from '@hono/zod-openapi';
import { idSchema } from '@quire/shared/input/ids';
import { lineSchema, textSchema } from '@quire/shared/input/text';
import { bearer, commonErrors, conflict, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import {
  consentState,
  createPurpose,
  exportConsents,
  listPurposes,
  myConsents,
  recordConsent,
  updatePurpose,
} from './verbs.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['compliance'] };
const purposeSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    name: z.string(),
    textVersion: z.string().describe('The current version of the text people agree to'),
    description: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('ConsentPurpose');
const eventSchema = z
  .object({
    id: z.string(),
    purposeId: z.string(),
    userId: z.string().describe('The person; `erased` once they were erased (the event stays as evidence)'),
    decision: z.enum(['granted', 'withdrawn']),
    textVersion: z.string().describe('The version of the text they were shown'),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    occurredAt: z.string(),
  })
  .openapi('ConsentEvent');
const idParams = z.object({ id: idSchema('consentPurpose', 'Consent purpose id') });
const version = lineSchema(64).describe('The version of the purpose text shown to the person');
const filters = z.object({
  userId: idSchema('user', 'Only this user').optional(),
  purposeId: idSchema('consentPurpose', 'Only this purpose').optional(),
});

export const consentRoutes = router();

consentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/consent/purposes',
    summary: 'Define a consent purpose (admins)',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                key: z
                  .string()
                  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/)
                  .describe('A stable key, e.g. product_updates'),
                name: lineSchema(200),
                textVersion: version,
                description: textSchema({ max: 4000 }).optional(),
              })
              .strict()
              .openapi('CreateConsentPurpose'),
          },
        },
      },
    },
    responses: {
      201: json(purposeSchema, 'Created'),
      ...commonErrors,
      ...conflict('a purpose with this key exists'),
    },
  }),
  async (c) => c.json(await createPurpose({ ctx: c.get('ctx'), input: c.req.valid('json') }), 201),
);

consentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/consent/purposes',
    summary: "The tenant's consent purposes (everyone signed in)",
    responses: { 200: json(z.object({ items: z.array(purposeSchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listPurposes({ ctx: c.get('ctx') }), 200),
);

consentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'patch',
    path: '/v1/consent/purposes/{id}',
    summary: 'Rename a purpose or publish a new text version (admins)',
    request: {
      params: idParams,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                name: lineSchema(200).optional(),
                textVersion: version.optional(),
                description: textSchema({ max: 4000 }).optional(),
              })
              .strict()
              .refine((b) => Object.keys(b).length > 0, 'at least one field')
              .openapi('UpdateConsentPurpose', { minProperties: 1 }),
          },
        },
      },
    },
    responses: { 200: json(purposeSchema), ...commonErrors },
  }),
  async (c) =>
    c.json(
      await updatePurpose({ ctx: c.get('ctx'), input: { ...c.req.valid('param'), ...c.req.valid('json') } }),
      200,
    ),
);

consentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/me/consents',
    summary: 'Grant or withdraw consent to a purpose',
    description:
      "Appended to the immutable history with the time, the IP and the user agent. A grant must name the purpose's current text version (409 `stale_text_version` otherwise).",
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                purposeId: idSchema('consentPurpose', 'The purpose'),
                decision: z.enum(['granted', 'withdrawn']),
                textVersion: version,
              })
              .strict()
              .openapi('RecordConsent'),
          },
        },
      },
    },
    responses: {
      201: json(eventSchema, 'Recorded'),
      ...commonErrors,
      ...conflict('the purpose text changed since the version granted'),
    },
  }),
  async (c) => c.json(await recordConsent({ ctx: c.get('ctx'), input: c.req.valid('json') }), 201),
);

consentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/me/consents',
    summary: 'My consents: current state per purpose, and the history',
    responses: {
      200: json(z.object({ current: z.array(eventSchema), history: z.array(eventSchema) })),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await myConsents({ ctx: c.get('ctx') }), 200),
);

consentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/consent/state',
    summary: 'Current consent per user and per purpose (admins)',
    request: { query: filters },
    responses: {
      200: json(
        z.object({
          items: z.array(eventSchema),
          purposes: z.array(
            purposeSchema.extend({
              granted: z.number().int().describe('People whose current answer is a grant'),
            }),
          ),
        }),
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await consentState({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);

consentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/consent/export',
    summary: 'The consent history as JSON: purposes and every grant and withdrawal (admins)',
    request: { query: filters },
    responses: {
      200: json(
        z
          .object({
            exportedAt: z.string(),
            tenantId: z.string(),
            purposes: z.array(purposeSchema),
            events: z.array(eventSchema).describe('Every event, oldest first: the immutable history'),
          })
          .openapi('ConsentExport'),
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await exportConsents({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);
