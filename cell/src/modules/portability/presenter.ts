import { z } from '@hono/zod-openapi';
import type { PortabilityExportRow } from '../../db/schema/index.ts';

export const exportView = z
  .object({
    id: z.string(),
    scope: z.enum(['user', 'tenant']),
    subjectUserId: z.string().nullable().describe('The user whose data it is (scope user)'),
    reason: z
      .enum(['request', 'offboarding'])
      .describe('offboarding: the export made when the tenant is offboarded'),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    progress: z
      .object({ done: z.number().int(), total: z.number().int() })
      .describe('Files written of the total'),
    size: z.number().int().nullable().describe('Bytes stored (encrypted)'),
    error: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    expiresAt: z
      .string()
      .nullable()
      .describe('The download link works until then (7 days after it is ready)'),
    downloadUrl: z
      .string()
      .nullable()
      .describe('Where to download it (with your token) while it has not expired'),
  })
  .openapi('PortabilityExport');
export type ExportView = z.infer<typeof exportView>;

export function presentExport(r: PortabilityExportRow, now = new Date()): ExportView {
  const live = r.status === 'done' && r.expiresAt !== null && r.expiresAt > now;
  return {
    id: r.id,
    scope: r.scope,
    subjectUserId: r.subjectUserId,
    reason: r.reason,
    status: r.status,
    progress: { done: r.progressDone, total: r.progressTotal },
    size: r.size,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    expiresAt: r.expiresAt?.toISOString() ?? null,
    downloadUrl: live ? `/v1/exports/${r.id}/download` : null,
  };
}
