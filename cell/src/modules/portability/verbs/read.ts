import type { Readable } from 'node:stream';
import { NotFound, QuireError } from '@quire/shared/errors';
import { and, desc, eq, or } from 'drizzle-orm';
import type { ActorRecord } from '../../../auth/actor.ts';
import type { RequestCtx } from '../../../context.ts';
import { type PortabilityExportRow, portabilityExports } from '../../../db/schema/index.ts';
import type { Tx } from '../../../db/tenant-tx.ts';
import { withActor } from '../../../unit-of-work.ts';
import { readEncryptedZip } from '../../bulk/zip.ts';
import { presentExport } from '../presenter.ts';
import { findExport } from '../repo.ts';
import { exportAad } from '../run.ts';

/** Its requester, the user it is about, or an admin may see an export; anyone else gets 404. */
async function visibleExport(tx: Tx, tenantId: string, actor: ActorRecord, id: string) {
  const row = await findExport(tx, tenantId, id);
  const mine = row && (row.requestedBy === actor.userId || row.subjectUserId === actor.userId);
  if (!row || (!mine && actor.role !== 'admin'))
    throw new NotFound('export', { resourceType: 'portability_export', resourceId: id });
  return row;
}

export async function getExport({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  const row = await withActor(ctx, ({ tx, actor }) => visibleExport(tx, ctx.tenant.id, actor, input.id), {
    readOnly: true,
  });
  return presentExport(row);
}

/** The caller's exports (requested by or about them); an admin sees every export of the tenant. */
export async function listExports({ ctx }: { ctx: RequestCtx }) {
  const rows = await withActor(
    ctx,
    ({ tx, actor }) => {
      const t = eq(portabilityExports.tenantId, ctx.tenant.id);
      const where =
        actor.role === 'admin'
          ? t
          : and(
              t,
              or(
                eq(portabilityExports.requestedBy, actor.userId),
                eq(portabilityExports.subjectUserId, actor.userId),
              ),
            );
      return tx
        .select()
        .from(portabilityExports)
        .where(where)
        .orderBy(desc(portabilityExports.createdAt))
        .limit(100);
    },
    { readOnly: true },
  );
  return { exports: rows.map((r) => presentExport(r)) };
}

/**
 * The zip, decrypted as it streams, while the link lives (7 days after it was made): 409
 * before it is ready, 410 once expired. Every download is audited.
 */
export async function downloadExport({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string };
}): Promise<{ stream: Readable; row: PortabilityExportRow }> {
  const row = await withActor(
    ctx,
    async ({ tx, actor, audit }) => {
      const r = await visibleExport(tx, ctx.tenant.id, actor, input.id);
      if (r.status !== 'done' || !r.blobKey || !r.wrappedKey)
        throw new QuireError('conflict', 'the export is not ready', { status: r.status });
      if (!r.expiresAt || r.expiresAt <= new Date())
        throw new QuireError('gone', 'the download link has expired', { expiresAt: r.expiresAt });
      audit({
        action: 'portability.export_downloaded',
        resourceType: 'portability_export',
        resourceId: r.id,
      });
      return r;
    },
    { readOnly: true },
  );
  const stream = await readEncryptedZip(ctx.deps, ctx.tenant.id, {
    key: row.blobKey!,
    aad: exportAad(ctx.tenant.id, row.id),
    wrappedKey: row.wrappedKey!,
  });
  return { stream, row };
}
