import { Forbidden, NotFound, QuireError } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import type { ActorRecord } from '../../../auth/actor.ts';
import { displayNames } from '../../../auth/display-names.ts';
import { authorize, type ResourceType } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import type { Tx } from '../../../db/tenant-tx.ts';
import { withActor } from '../../../unit-of-work.ts';
import { hashPassword } from '../../identity/passwords.ts';
import { dispatch, emitEvent } from '../../webhooks/events.ts';
import { loadShared } from '../resources.ts';
import { linkPolicy } from './policy.ts';
import { presentLink } from './presenter.ts';
import { findLink, insertLink, linksOn, updateLink } from './repo.ts';
import { newLinkToken } from './token.ts';

const DAY_MS = 86_400_000;

export interface CreateLinkInput {
  resourceType: ResourceType;
  resourceId: string;
  expiresAt?: string;
  password?: string;
  maxDownloads?: number;
}

function checkExpiry(ctx: RequestCtx, expiresAt: string | null | undefined): Date {
  const policy = linkPolicy(ctx.tenant);
  const max = Date.now() + policy.maxExpiryDays * DAY_MS;
  const at = expiresAt ? new Date(expiresAt) : new Date(Date.now() + policy.defaultExpiryDays * DAY_MS);
  if (at.getTime() <= Date.now())
    throw new QuireError('validation_failed', 'request is invalid', [
      { path: 'expiresAt', message: 'must be in the future', reason: 'expiry_past' },
    ]);
  if (at.getTime() > max + 60_000)
    throw new QuireError('validation_failed', 'request is invalid', [
      {
        path: 'expiresAt',
        message: `your organisation allows links of at most ${policy.maxExpiryDays} days`,
        reason: 'expiry_too_long',
        maxDays: policy.maxExpiryDays,
      },
    ]);
  return at;
}

function assertAllowed(ctx: RequestCtx): void {
  if (!linkPolicy(ctx.tenant).allowed) throw new Forbidden('your organisation does not allow external links');
}

/**
 * Creating a link needs manage (owner) on the folder or document, like sharing it with a
 * person. The token is returned once, here; only its hash is kept.
 */
export async function createLink({
  ctx,
  input,
  origin,
}: {
  ctx: RequestCtx;
  input: CreateLinkInput;
  origin: string | null;
}) {
  assertAllowed(ctx);
  const expiresAt = checkExpiry(ctx, input.expiresAt);
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  const out = await withActor(ctx, async ({ tx, actor, audit }) => {
    const { resource } = await loadShared(tx, ctx.tenant.id, input.resourceType, input.resourceId);
    await authorize(tx, actor, 'manage', resource);
    const { token, hash } = newLinkToken(ctx.tenant.id);
    const link = await insertLink(tx, {
      tenantId: ctx.tenant.id,
      id: newId('shareLink'),
      resourceType: input.resourceType,
      resourceId: input.resourceId,
      tokenHash: hash,
      passwordHash,
      expiresAt,
      maxDownloads: input.maxDownloads ?? null,
      createdBy: actor.userId,
    });
    audit({
      action: 'share_link.created',
      resourceType: input.resourceType,
      resourceId: input.resourceId,
      details: {
        linkId: link.id,
        expiresAt: expiresAt.toISOString(),
        password: passwordHash !== null,
        maxDownloads: link.maxDownloads,
      },
    });
    const emitted = await emitEvent(tx, ctx.tenant.id, 'share_link.created', {
      linkId: link.id,
      resourceType: input.resourceType,
      resourceId: input.resourceId,
      expiresAt: expiresAt.toISOString(),
    });
    // People open the web app's page with the token after `#`, which browsers never send: no
    // server or edge log sees it. API clients use `path`.
    const created = presentLink(link, await displayNames(tx, ctx.tenant.id, [link.createdBy]));
    const url = origin ? `${origin}/shared#${token}` : null;
    return { link: { ...created, token, path: `/v1/share/${token}`, url }, emitted };
  });
  dispatch(ctx.deps, out.emitted);
  return out.link;
}

export async function listLinks({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { resourceType: ResourceType; resourceId: string };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const { resource } = await loadShared(tx, ctx.tenant.id, input.resourceType, input.resourceId);
      await authorize(tx, actor, 'manage', resource);
      const { maxExpiryDays, defaultExpiryDays } = linkPolicy(ctx.tenant);
      const links = await linksOn(tx, ctx.tenant.id, input.resourceId);
      const names = await displayNames(
        tx,
        ctx.tenant.id,
        links.map((l) => l.createdBy),
      );
      return {
        items: links.map((l) => presentLink(l, names)),
        policy: { maxExpiryDays, defaultExpiryDays },
      };
    },
    { readOnly: true },
  );
}

async function loadManagedLink(ctx: RequestCtx, tx: Tx, actor: ActorRecord, id: string) {
  const link = await findLink(tx, ctx.tenant.id, id);
  const missing = () => new NotFound('share link', { resourceType: 'share_link', resourceId: id });
  if (!link) throw missing();
  const shared = await loadShared(tx, ctx.tenant.id, link.resourceType, link.resourceId).catch(() => {
    throw missing();
  });
  await authorize(tx, actor, 'manage', shared.resource).catch((e) => {
    throw e instanceof NotFound ? missing() : e;
  });
  return link;
}

/** Expiry, password and download limit can change at any time; the next request sees it. */
export async function updateLinkSettings({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; expiresAt?: string; password?: string | null; maxDownloads?: number | null };
}) {
  const expiresAt = input.expiresAt !== undefined ? checkExpiry(ctx, input.expiresAt) : undefined;
  const passwordHash = input.password ? await hashPassword(input.password) : input.password;
  return withActor(ctx, async ({ tx, actor, audit }) => {
    const link = await loadManagedLink(ctx, tx, actor, input.id);
    if (link.revokedAt) throw new QuireError('conflict', 'a revoked link cannot be changed');
    const set: Parameters<typeof updateLink>[3] = {};
    if (expiresAt) set.expiresAt = expiresAt;
    if (passwordHash !== undefined) set.passwordHash = passwordHash;
    if (input.maxDownloads !== undefined) set.maxDownloads = input.maxDownloads;
    const saved = await updateLink(tx, ctx.tenant.id, link.id, set);
    audit({
      action: 'share_link.updated',
      resourceType: link.resourceType,
      resourceId: link.resourceId,
      details: {
        linkId: link.id,
        changed: Object.keys(set),
        expiresAt: saved.expiresAt?.toISOString() ?? null,
        maxDownloads: saved.maxDownloads,
      },
    });
    return presentLink(saved, await displayNames(tx, ctx.tenant.id, [saved.createdBy]));
  });
}

/** Revoked at once: the next request with the token fails. */
export async function revokeLink({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  const out = await withActor(ctx, async ({ tx, actor, audit }) => {
    const link = await loadManagedLink(ctx, tx, actor, input.id);
    const names = await displayNames(tx, ctx.tenant.id, [link.createdBy]);
    if (link.revokedAt) return { link: presentLink(link, names), emitted: undefined };
    const saved = await updateLink(tx, ctx.tenant.id, link.id, {
      revokedAt: new Date(),
      revokedBy: actor.userId,
    });
    audit({
      action: 'share_link.revoked',
      resourceType: link.resourceType,
      resourceId: link.resourceId,
      details: { linkId: link.id },
    });
    const emitted = await emitEvent(tx, ctx.tenant.id, 'share_link.revoked', {
      linkId: link.id,
      resourceType: link.resourceType,
      resourceId: link.resourceId,
    });
    return { link: presentLink(saved, names), emitted };
  });
  dispatch(ctx.deps, out.emitted);
  return out.link;
}
