import { BadRequest, Conflict, NotFound, PayloadTooLarge } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import type { RequestCtx } from '../../context.ts';
import { withTenantTx } from '../../db/tenant-tx.ts';
import { withActor } from '../../unit-of-work.ts';
import { authorizeTarget, upload } from '../documents/verbs/upload.ts';
import { readParts, uploadPrefix, writeParts } from './parts.ts';
import {
  appendPart,
  completeUpload,
  deleteUpload,
  findUpload,
  insertUpload,
  type UploadRow,
} from './repo.ts';

/** What a client learns about its upload (HEAD headers, GET body). */
export interface UploadStatus {
  id: string;
  offset: number;
  length: number;
  expiresAt: string;
  /** Set once the upload became a document (or a version of one). */
  documentId: string | null;
  versionId: string | null;
}

function status(u: UploadRow): UploadStatus {
  return {
    id: u.id,
    offset: u.offset,
    length: u.length,
    expiresAt: u.expiresAt.toISOString(),
    documentId: u.completedAt ? u.documentId : null,
    versionId: u.versionId,
  };
}

const notFound = (id: string) => new NotFound('upload', { resourceType: 'upload', resourceId: id });

/** Slots are held per upload id: a PATCH renews its upload's lease, others' count against the plan. */
const slotOf = (id: string) => `upload:${id}`;

/**
 * A PATCH in progress marks its upload (an expiring Redis key): a client that lost its
 * connection and asks for the offset (HEAD) or sends the next PATCH waits until the cell has
 * finished with the broken request's last part, so the offset it learns is final.
 */
const activeKey = (tenantId: string, id: string) => `quire:upload-active:${tenantId}:${id}`;
const SETTLE_POLL_MS = 50;

async function settled(ctx: RequestCtx, id: string): Promise<void> {
  const deadline = Date.now() + ctx.deps.uploads.slotTtlMs;
  while (Date.now() < deadline && (await ctx.deps.redis.exists(activeKey(ctx.tenant.id, id)).catch(() => 0)))
    await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
}

export interface CreateUploadInput {
  length: number;
  filename: string;
  title?: string;
  contentType: string;
  folderId?: string;
  documentId?: string;
}

/**
 * tus creation: checks the plan's max file size (413) and the target's permissions before
 * anything is stored, takes a concurrent-upload slot (429 over the plan's limit), and records
 * the upload with a fresh data key wrapped by the tenant's key.
 */
export async function createUpload({ ctx, input }: { ctx: RequestCtx; input: CreateUploadInput }) {
  const maxBytes = ctx.tenant.limits.maxFileSizeMb * 1024 * 1024;
  if (input.length > maxBytes) {
    throw new PayloadTooLarge(`file exceeds the plan's limit of ${maxBytes} bytes`, {
      limit: maxBytes,
      length: input.length,
    });
  }
  const id = newId('upload');
  await withActor(ctx, (w) => authorizeTarget(ctx, w, input), { readOnly: true });
  const lease = await ctx.deps.slots.acquire(
    ctx.tenant.id,
    'uploads',
    slotOf(id),
    ctx.tenant.limits.concurrentUploads,
  );
  try {
    const dataKey = await ctx.deps.keyring.generateDataKey(ctx.tenant.id);
    dataKey.plaintext.fill(0); // parts are written under the key unwrapped per request
    const row = await withActor(ctx, async (w) => {
      await authorizeTarget(ctx, w, input); // again, in the transaction that records it
      return insertUpload(w.tx, {
        tenantId: ctx.tenant.id,
        id,
        createdBy: w.actor.userId,
        documentId: input.documentId ?? null,
        folderId: input.folderId ?? null,
        filename: input.filename,
        title: input.title ?? null,
        contentType: input.contentType,
        length: input.length,
        wrappedKey: dataKey.wrapped,
        keyRef: dataKey.keyRef,
        expiresInMs: ctx.deps.uploads.expiryMs,
      });
    });
    return status(row);
  } catch (err) {
    await lease.release().catch(() => {});
    throw err;
  }
}

async function own(ctx: RequestCtx, id: string): Promise<UploadRow> {
  const row = await withActor(ctx, ({ tx, actor }) => findUpload(tx, ctx.tenant.id, actor.userId, id), {
    readOnly: true,
  });
  if (!row) throw notFound(id);
  return row;
}

/** tus HEAD / GET: the acknowledged offset (what the client resumes from). */
export async function getUpload({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  await own(ctx, input.id); // 404 before any wait
  await settled(ctx, input.id);
  return status(await own(ctx, input.id));
}

/**
 * tus PATCH: appends the body at `offset` (which must be the acknowledged offset: 409
 * otherwise), part by durable part; when the last byte is in, the upload becomes a document
 * (or a new version) in one transaction with its audit entry, exactly like a single-request
 * upload. A PATCH at the full length with an empty body finishes an upload whose finishing
 * was interrupted.
 */
export async function appendUpload({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; offset: number; body: ReadableStream<Uint8Array> | null };
}): Promise<UploadStatus> {
  await own(ctx, input.id); // 404 before any wait
  await settled(ctx, input.id);
  const u = await own(ctx, input.id);
  if (u.completedAt) {
    await input.body?.cancel().catch(() => {});
    if (input.offset !== u.length) throw new Conflict('Upload-Offset does not match', { offset: u.offset });
    return status(u);
  }
  if (input.body === null && u.offset < u.length)
    throw new BadRequest('PATCH needs a body until every byte of the upload is stored');
  if (input.offset !== u.offset) {
    await input.body?.cancel().catch(() => {});
    throw new Conflict('Upload-Offset does not match the upload’s offset', { offset: u.offset });
  }
  const lease = await ctx.deps.slots.acquire(
    ctx.tenant.id,
    'uploads',
    slotOf(u.id),
    ctx.tenant.limits.concurrentUploads,
  );
  const active = activeKey(ctx.tenant.id, u.id);
  const mark = () =>
    ctx.deps.redis.set(active, ctx.requestId, 'PX', ctx.deps.uploads.slotTtlMs).catch(() => {});
  await mark();
  const renew = setInterval(() => {
    void lease.renew().catch(() => {});
    void mark();
  }, ctx.deps.uploads.slotTtlMs / 3);
  renew.unref();
  let offset = u.offset;
  try {
    const dataKey = await ctx.deps.keyring.unwrapDataKey(ctx.tenant.id, u.wrappedKey);
    try {
      await writeParts(ctx.deps, {
        tenantId: ctx.tenant.id,
        uploadId: u.id,
        dataKey,
        body: input.body,
        remaining: u.length - u.offset,
        partBytes: ctx.deps.uploads.partBytes,
        commit: async (part) => {
          const ok = await withTenantTx(ctx.deps.db, ctx.tenant.id, (tx) =>
            appendPart(tx, ctx.tenant.id, u.id, offset, part, ctx.deps.uploads.expiryMs),
          );
          if (!ok) {
            await ctx.deps.blobs.delete(part.key).catch(() => {});
            throw new Conflict('another request appended to this upload meanwhile');
          }
          offset += part.size;
          void lease.renew().catch(() => {});
        },
      });
      if (offset < u.length) return { ...status(u), offset };
      const done = await finish(ctx, u.id, dataKey);
      await lease.release().catch(() => {});
      return done;
    } finally {
      dataKey.fill(0);
    }
  } finally {
    clearInterval(renew);
    if ((await ctx.deps.redis.get(active).catch(() => null)) === ctx.requestId)
      await ctx.deps.redis.del(active).catch(() => {});
  }
}

/** Turns the complete upload into a document or a version: one transaction, audited like any upload. */
async function finish(ctx: RequestCtx, id: string, dataKey: Buffer): Promise<UploadStatus> {
  const u = await own(ctx, id);
  if (u.completedAt) return status(u);
  const body = readParts(ctx.deps, ctx.tenant.id, u.id, dataKey, u.parts);
  const result = await upload({
    ctx,
    input: {
      documentId: u.documentId ?? undefined,
      folderId: u.folderId,
      filename: u.filename,
      title: u.documentId ? undefined : (u.title ?? undefined),
      contentType: u.contentType,
      contentLength: u.length,
      body,
      slotHeld: true,
      inTx: async (tx, created) => {
        if (!(await completeUpload(tx, ctx.tenant.id, u.id, created)))
          throw new Conflict('this upload was finished by another request');
      },
    },
  });
  // Committed: the parts are no longer needed (the janitor removes any a crash leaves behind).
  await ctx.deps.blobs.deletePrefix(uploadPrefix(ctx.tenant.id, u.id)).catch(() => {});
  return {
    ...status(u),
    offset: u.length,
    documentId: result.body.document.id,
    versionId: result.body.version.id,
  };
}

/** tus termination: the parts and the record go; the slot frees. */
export async function deleteUploadVerb({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  const u = await own(ctx, input.id);
  await withTenantTx(ctx.deps.db, ctx.tenant.id, (tx) => deleteUpload(tx, ctx.tenant.id, u.id));
  await ctx.deps.blobs.deletePrefix(uploadPrefix(ctx.tenant.id, u.id));
  await ctx.deps.slots.release(ctx.tenant.id, 'uploads', slotOf(u.id)).catch(() => {});
}
