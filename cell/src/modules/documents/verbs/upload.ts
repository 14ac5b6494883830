import { createHash } from 'node:crypto';
import { Conflict, NotFound, PayloadTooLarge } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { loadActor } from '../../../auth/actor.ts';
import { insertGrant } from '../../../auth/grants.ts';
import { authorize, authorizeRootCreate } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { type Tx, withTenantTx } from '../../../db/tenant-tx.ts';
import { type Work, withActor } from '../../../unit-of-work.ts';
import { queueDocumentIndex, ringSearch } from '../../changes/outbox.ts';
import { assertLive, loadFolder } from '../../folders/resource.ts';
import { chargeUsage, precheckUsage } from '../../quotas/usage.ts';
import { storeContent } from '../content.ts';
import { presentDocument, presentVersion } from '../presenter.ts';
import {
  findIdempotent,
  insertDocument,
  insertVersion,
  lockDocument,
  saveIdempotent,
  updateDocument,
} from '../repo.ts';
import { loadDocument } from '../resource.ts';

export interface UploadInput {
  /** Set for a new version of an existing document; absent for a new document. */
  documentId?: string;
  folderId?: string | null;
  filename: string;
  title?: string;
  contentType: string;
  contentLength?: number;
  idempotencyKey?: string;
  body: ReadableStream<Uint8Array> | null;
  /**
   * The caller already holds a concurrent-upload slot (a resumable upload finishing); otherwise
   * this upload takes one for its duration (429 over the plan's `concurrentUploads`).
   */
  slotHeld?: boolean;
  /** Runs in the transaction that creates the document or version (a resumable upload marks itself done). */
  inTx?: (tx: Tx, created: { documentId: string; versionId: string }) => Promise<void>;
}

type UploadResult = {
  status: 201;
  body: { document: ReturnType<typeof presentDocument>; version: ReturnType<typeof presentVersion> };
};

class LostIdempotencyRace extends Error {}

/**
 * Upload a new document or a new version. Order matters for durability and crash safety:
 * authorize → stream the encrypted bytes to the blob store (durable) → one transaction
 * writes the rows, the audit entry and the idempotency record → acknowledge. A crash
 * before the commit leaves at most an unreferenced blob, never a visible half document.
 */
export async function upload({ ctx, input }: { ctx: RequestCtx; input: UploadInput }): Promise<UploadResult> {
  const maxBytes = Math.floor(ctx.tenant.limits.maxFileSizeMb * 1024 * 1024);
  if (input.contentLength !== undefined && input.contentLength > maxBytes) {
    throw tooLarge(maxBytes, input.contentLength);
  }
  const requestHash = hashRequest(input);
  const replay = await withActor(ctx, async (w) => {
    await authorizeTarget(ctx, w, input);
    const prior = input.idempotencyKey
      ? await findIdempotent(w.tx, ctx.tenant.id, w.actor.userId, input.idempotencyKey)
      : undefined;
    if (prior && prior.requestHash !== requestHash)
      throw new Conflict('Idempotency-Key was used for a different request');
    if (prior) return prior.response as UploadResult['body'];
    // Before streaming a blob that would be thrown away: is there room at all?
    await precheckUsage(w.tx, ctx.tenant.id, ctx.tenant.limits, {
      documents: input.documentId ? 0 : 1,
      storage: input.contentLength ?? 1,
    });
    return undefined;
  });
  if (replay) {
    await input.body?.cancel().catch(() => {});
    return { status: 201, body: replay };
  }

  const documentId = input.documentId ?? newId('document');
  const versionId = newId('version');
  const stored = await withUploadSlot(ctx, input.slotHeld === true, () =>
    storeContent(ctx.deps, {
      tenantId: ctx.tenant.id,
      documentId,
      versionId,
      body: input.body,
      maxBytes,
    }),
  ).catch(async (err: unknown) => {
    await input.body?.cancel().catch(() => {});
    throw err instanceof PayloadTooLarge ? tooLarge(maxBytes, input.contentLength) : err;
  });
  try {
    const result = await withActor(ctx, async (w) => {
      await authorizeTarget(ctx, w, input); // permissions may have changed during a long upload
      const { tx, actor, audit } = w;
      const tenantId = ctx.tenant.id;
      // Counted with the rows, before them (the usage row is created from a count of committed
      // rows); a refusal rolls everything back and the catch below deletes the blob.
      await chargeUsage(tx, tenantId, ctx.tenant.limits, {
        documents: input.documentId ? 0 : 1,
        storage: stored.size,
      });
      const versionRow = {
        tenantId,
        id: versionId,
        documentId,
        filename: input.filename,
        contentType: input.contentType,
        createdBy: actor.userId,
        ...stored,
      };
      let body: UploadResult['body'];
      if (input.documentId) {
        const doc = await lockDocument(tx, tenantId, documentId);
        if (!doc) throw new NotFound('document', { resourceType: 'document', resourceId: documentId });
        const version = await insertVersion(tx, { ...versionRow, number: doc.versionCount + 1 });
        const updated = await updateDocument(tx, tenantId, documentId, {
          currentVersionId: versionId,
          versionCount: doc.versionCount + 1,
        });
        audit({
          action: 'document.version_uploaded',
          resourceType: 'document',
          resourceId: documentId,
          details: { versionId, number: version.number, size: stored.size, sha256: stored.sha256 },
        });
        body = { document: presentDocument(updated), version: presentVersion(version) };
      } else {
        const doc = await insertDocument(tx, {
          tenantId,
          id: documentId,
          folderId: input.folderId ?? null,
          title: input.title ?? input.filename,
          currentVersionId: versionId,
          createdBy: actor.userId,
        });
        const version = await insertVersion(tx, { ...versionRow, number: 1 });
        await insertGrant(tx, {
          tenantId,
          resourceType: 'document',
          resourceId: documentId,
          principalType: 'user',
          principalId: actor.userId,
          role: 'owner',
          createdBy: actor.userId,
        });
        audit({
          action: 'document.uploaded',
          resourceType: 'document',
          resourceId: documentId,
          details: { versionId, folderId: doc.folderId, size: stored.size, sha256: stored.sha256 },
        });
        body = { document: presentDocument(doc), version: presentVersion(version) };
      }
      await input.inTx?.(tx, { documentId, versionId });
      await queueDocumentIndex(
        tx,
        tenantId,
        [documentId],
        input.documentId ? 'document.version_uploaded' : 'document.uploaded',
      );
      if (input.idempotencyKey) {
        const won = await saveIdempotent(tx, {
          tenantId,
          userId: actor.userId,
          key: input.idempotencyKey,
          requestHash,
          status: 201,
          response: body,
        });
        if (!won) throw new LostIdempotencyRace();
      }
      return { status: 201 as const, body };
    });
    ringSearch(ctx.deps);
    return result;
  } catch (err) {
    await ctx.deps.blobs.delete(stored.blobKey).catch(() => {});
    if (err instanceof LostIdempotencyRace && input.idempotencyKey) {
      // A concurrent retry with the same key committed first: answer with its result.
      const prior = await withTenantTx(ctx.deps.db, ctx.tenant.id, async (tx) => {
        const actor = await loadActor(tx, ctx.claims);
        return findIdempotent(tx, ctx.tenant.id, actor.userId, input.idempotencyKey!);
      });
      if (prior) return { status: 201, body: prior.response as UploadResult['body'] };
    }
    throw err;
  }
}

/**
 * Holds one of the tenant's concurrent-upload slots (an expiring Redis lease, renewed while
 * the bytes flow) around `work`: a crashed upload frees its slot when the lease runs out.
 */
export async function withUploadSlot<T>(
  ctx: RequestCtx,
  held: boolean,
  work: () => Promise<T>,
  holder: string = ctx.requestId,
): Promise<T> {
  if (held) return work();
  const lease = await ctx.deps.slots.acquire(
    ctx.tenant.id,
    'uploads',
    holder,
    ctx.tenant.limits.concurrentUploads,
  );
  const renew = setInterval(() => void lease.renew().catch(() => {}), ctx.deps.uploads.slotTtlMs / 3);
  renew.unref();
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await lease.release().catch(() => {});
  }
}

/** 413 with the quota details: the plan's largest file, in bytes. */
function tooLarge(maxBytes: number, size: number | undefined): PayloadTooLarge {
  return new PayloadTooLarge(`file exceeds the plan's limit of ${maxBytes} bytes`, {
    resource: 'fileSize',
    limit: maxBytes,
    used: size ?? maxBytes + 1,
    maxBytes,
  });
}

/** May the caller upload into this folder (or the top level), or a new version of this document? */
export async function authorizeTarget(
  ctx: RequestCtx,
  { tx, actor }: Work,
  input: Pick<UploadInput, 'documentId' | 'folderId'>,
) {
  if (input.documentId) {
    const { resource, doc } = await loadDocument(tx, ctx.tenant.id, input.documentId);
    await authorize(tx, actor, 'write', resource);
    if (doc.trashedAt) throw new Conflict('document is in the trash; restore it first');
  } else if (input.folderId) {
    const target = await loadFolder(tx, ctx.tenant.id, input.folderId);
    await authorize(tx, actor, 'write', target.resource);
    assertLive(target);
  } else {
    authorizeRootCreate(actor);
  }
}

/** What makes two uploads "the same request" for an Idempotency-Key (the body is streamed, so not the bytes). */
function hashRequest(input: UploadInput): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        input.documentId ?? null,
        input.folderId ?? null,
        input.filename,
        input.title ?? null,
        input.contentType,
        input.contentLength ?? null,
      ]),
    )
    .digest('hex');
}
