import type { Readable } from 'node:stream';
import { z } from '@hono/zod-openapi';
import { NotFound, QuireError, Unauthenticated } from '@quire/shared/errors';
import { appendInTx } from '../../../audit-trail/append.ts';
import { type AuditInput, auditEntry, auditOrigin } from '../../../audit-trail/entry.ts';
import type { Resource } from '../../../auth/policy.ts';
import { readersOf } from '../../../auth/readers.ts';
import type { CellDeps, TenantRecord } from '../../../context.ts';
import { type Tx, withTenantTx } from '../../../db/tenant-tx.ts';
import { decodeCursor, encodeCursor } from '../../../http/openapi.ts';
import type { ClientInfo } from '../../../middleware/client-info.ts';
import { readContent } from '../../documents/content.ts';
import { childDocuments, findDocument, findVersion, type VersionRow } from '../../documents/repo.ts';
import { childFolders, findFolder } from '../../folders/repo.ts';
import { verifyPassword } from '../../identity/passwords.ts';
import { loadShared } from '../resources.ts';
import { LinkGuard } from './guard.ts';
import { linkPolicy } from './policy.ts';
import { linkStatus } from './presenter.ts';
import { findLinkByHash, type LinkRow, recordAccess, takeDownload } from './repo.ts';
import type { SharedDocument, SharedFolderItem, SharedView } from './schemas.ts';
import { parseLinkToken } from './token.ts';

export interface LinkRequest {
  requestId: string;
  client: ClientInfo;
  /** The tenant the edge routed the request for, when it came through the edge. */
  edgeTenantId: string | null | undefined;
}

interface Opened {
  tenant: TenantRecord;
  link: LinkRow;
}

const gone = (message: string) => new QuireError('gone', message);
const unknownLink = () => new NotFound('share link');

/**
 * Every use of a link goes through here, without a login: rate limit by address, the token's
 * tenant (homed here, active, links allowed), the link by the hash of its secret (a guessed
 * token finds nothing: 404), then revocation, expiry, download limit and its creator's own
 * access (a revoked, expired or orphaned link fails at once: 410), then the password. Every
 * attempt is audited with the client's address and user agent.
 */
async function openLink(
  deps: CellDeps,
  token: string,
  req: LinkRequest,
  password: string | undefined,
): Promise<Opened> {
  const guard = new LinkGuard(deps.redis);
  const ip = req.client.ip;
  await guard.assertAllowed(ip);
  const parsed = parseLinkToken(token);
  const tenant = parsed ? await deps.tenants.get(parsed.tenantId) : null;
  if (!parsed || !tenant || tenant.status !== 'active') {
    await guard.failed(ip);
    throw unknownLink();
  }
  if (req.edgeTenantId !== undefined && req.edgeTenantId !== tenant.id) {
    throw new QuireError(
      'tenant_mismatch',
      'the link belongs to another organisation than the request was routed for',
    );
  }
  const origin = auditOrigin(tenant.id, req);
  const denied = async (reason: string, link?: LinkRow) =>
    deps.auditTrail.append([
      auditEntry(origin, 'anonymous', {
        action: 'share_link.denied',
        resourceType: link?.resourceType ?? 'share_link',
        resourceId: link?.resourceId ?? null,
        details: { reason, linkId: link?.id ?? null },
      }),
    ]);
  const link = await withTenantTx(deps.db, tenant.id, (tx) => findLinkByHash(tx, tenant.id, parsed.hash), {
    readOnly: true,
  });
  if (!link) {
    await guard.failed(ip);
    await denied('unknown_token');
    throw unknownLink();
  }
  if (!linkPolicy(tenant).allowed) {
    await denied('links_disabled', link);
    throw gone('external links are turned off for this organisation');
  }
  const status = linkStatus(link);
  if (status !== 'active') {
    await denied(status, link);
    throw gone(
      status === 'revoked'
        ? 'this link has been revoked'
        : status === 'expired'
          ? 'this link has expired'
          : 'this link has reached its download limit',
    );
  }
  if (link.passwordHash) {
    if (!password) throw new Unauthenticated('this link needs its password', { reason: 'password_required' });
    await guard.assertPasswordAllowed(tenant.id, link.id);
    if (!(await verifyPassword(password, link.passwordHash))) {
      await guard.failed(ip, { tenantId: tenant.id, id: link.id });
      await denied('wrong_password', link);
      throw new QuireError('forbidden', 'wrong password for this link', { reason: 'wrong_password' });
    }
  }
  return { tenant, link };
}

/**
 * The work of one link request in a tenant transaction: the link re-read (a revocation that
 * landed meanwhile wins), the shared resource still there and its creator still able to read
 * it, then the work, with its audit entry in the same transaction.
 */
async function inLink<T>(
  deps: CellDeps,
  opened: Opened,
  req: LinkRequest,
  work: (w: {
    tx: Tx;
    link: LinkRow;
    resource: Resource;
    path: string | null;
    title: string;
  }) => Promise<{ value: T; audit: AuditInput }>,
): Promise<T> {
  const { tenant } = opened;
  return withTenantTx(deps.db, tenant.id, async (tx) => {
    const link = await findLinkByHash(tx, tenant.id, opened.link.tokenHash);
    if (!link || linkStatus(link) !== 'active') throw gone('this link is no longer valid');
    const shared = await loadShared(tx, tenant.id, link.resourceType, link.resourceId).catch(() => null);
    const creator =
      shared && (await readersOf(tx, tenant.id, [link.createdBy], shared.resource)).get(link.createdBy);
    if (!shared || shared.trashed || !creator?.canRead) throw gone('the shared item is no longer available');
    const { value, audit } = await work({
      tx,
      link,
      resource: shared.resource,
      path: shared.path,
      title: shared.title,
    });
    await appendInTx(tx, [auditEntry(auditOrigin(tenant.id, req), 'anonymous', audit)]);
    return value;
  });
}

const cursorSchema = z.object({ k: z.enum(['folder', 'document']), id: z.string().max(64) });

function shownDocument(d: { id: string; title: string; updatedAt: Date }, v: VersionRow): SharedDocument {
  return {
    id: d.id,
    title: d.title,
    filename: v.filename,
    contentType: v.contentType,
    size: v.size,
    updatedAt: d.updatedAt.toISOString(),
  };
}

/** A folder inside the shared one (or the shared one itself): anything else is not found. */
async function folderWithin(tx: Tx, tenantId: string, sharedPath: string, folderId: string) {
  const f = await findFolder(tx, tenantId, folderId);
  if (!f?.path.startsWith(sharedPath) || f.trashedAt) throw new NotFound('folder');
  return f;
}

export interface OpenInput {
  token: string;
  password?: string;
  folderId?: string;
  cursor?: string;
  limit: number;
}

/** What the link shows: the document, or a page of a folder's contents (subfolders, then documents). */
export async function viewLink(deps: CellDeps, input: OpenInput, req: LinkRequest): Promise<SharedView> {
  const opened = await openLink(deps, input.token, req, input.password);
  const cursor = decodeCursor(input.cursor, cursorSchema);
  return inLink<SharedView>(deps, opened, req, async ({ tx, link, path }) => {
    const tenantId = opened.tenant.id;
    const base = {
      expiresAt: link.expiresAt?.toISOString() ?? null,
      downloadsLeft: link.maxDownloads === null ? null : Math.max(0, link.maxDownloads - link.downloadCount),
    };
    const audit: AuditInput = {
      action: 'share_link.accessed',
      resourceType: link.resourceType,
      resourceId: link.resourceId,
      details: { linkId: link.id, folderId: input.folderId ?? null },
    };
    await recordAccess(tx, tenantId, link.id);
    if (link.resourceType === 'document') {
      const found = (await findDocument(tx, tenantId, link.resourceId))!;
      const version = (await findVersion(tx, tenantId, found.doc.id, found.doc.currentVersionId))!;
      return {
        value: { ...base, resourceType: 'document', document: shownDocument(found.doc, version) },
        audit,
      };
    }
    const root = await folderWithin(tx, tenantId, path!, link.resourceId);
    const current = input.folderId ? await folderWithin(tx, tenantId, path!, input.folderId) : root;
    const items: SharedFolderItem[] = [];
    if (!cursor || cursor.k === 'folder') {
      const rows = await childFolders(tx, tenantId, current.id, cursor?.id, input.limit + 1);
      for (const f of rows) items.push({ kind: 'folder', id: f.id, name: f.name });
    }
    if (items.length <= input.limit) {
      const after = cursor?.k === 'document' ? cursor.id : undefined;
      const docs = await childDocuments(tx, tenantId, current.id, after, input.limit + 1 - items.length);
      for (const d of docs) {
        const v = (await findVersion(tx, tenantId, d.id, d.currentVersionId))!;
        items.push({ kind: 'document', ...shownDocument(d, v) });
      }
    }
    const page = items.slice(0, input.limit);
    const last = page[page.length - 1];
    return {
      value: {
        ...base,
        resourceType: 'folder',
        folder: { id: root.id, name: root.name },
        current: {
          id: current.id,
          name: current.name,
          parentId: current.id === root.id ? null : current.parentId,
        },
        items: page,
        nextCursor: items.length > input.limit && last ? encodeCursor({ k: last.kind, id: last.id }) : null,
      },
      audit,
    };
  });
}

/** GET without a password: what a password-protected link shows before it is unlocked. */
export async function peekLink(deps: CellDeps, token: string, req: LinkRequest): Promise<SharedView> {
  try {
    return await viewLink(deps, { token, limit: 50 }, req);
  } catch (err) {
    if (
      err instanceof Unauthenticated &&
      (err.details as { reason?: string })?.reason === 'password_required'
    ) {
      return { requiresPassword: true };
    }
    throw err;
  }
}

/**
 * Downloads through a link: counts against its download limit (atomically), streams the
 * current version's plaintext, audited as `share_link.downloaded` on the document.
 */
export async function downloadViaLink(
  deps: CellDeps,
  input: { token: string; password?: string; documentId?: string },
  req: LinkRequest,
): Promise<{ version: VersionRow; stream: Readable }> {
  const opened = await openLink(deps, input.token, req, input.password);
  const tenantId = opened.tenant.id;
  const version = await inLink(deps, opened, req, async ({ tx, link, path }) => {
    const documentId = link.resourceType === 'document' ? link.resourceId : input.documentId;
    if (
      !documentId ||
      (link.resourceType === 'document' && input.documentId && input.documentId !== documentId)
    )
      throw new NotFound('document');
    const found = await findDocument(tx, tenantId, documentId);
    if (!found || found.doc.trashedAt) throw new NotFound('document');
    if (link.resourceType === 'folder' && !(found.folderPath ?? '').startsWith(path!))
      throw new NotFound('document');
    if (!(await takeDownload(tx, tenantId, link.id))) throw gone('this link has reached its download limit');
    const v = (await findVersion(tx, tenantId, documentId, found.doc.currentVersionId))!;
    return {
      value: v,
      audit: {
        action: 'share_link.downloaded',
        resourceType: 'document',
        resourceId: documentId,
        details: { linkId: link.id, versionId: v.id },
      },
    };
  });
  return { version, stream: await readContent(deps, tenantId, version) };
}
