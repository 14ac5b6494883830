import { randomBytes } from 'node:crypto';
import {
  type DiscoverResult,
  normalizeDomain,
  PUBLIC_EMAIL_DOMAINS,
  verificationRecordName,
  verificationRecordValue,
} from '@quire/shared/discovery';
import { BadRequest, Conflict, NotFound } from '@quire/shared/errors';
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { CpDeps, OpsCtx } from '../../context.ts';
import { auditAction } from '../../db/audit.ts';
import { tenantDomains, tenants } from '../../db/schema/index.ts';
import { findTenant } from '../tenants/repo.ts';

type DomainRow = typeof tenantDomains.$inferSelect;

export const presentDomain = (d: DomainRow) => ({
  domain: d.domain,
  verified: d.verifiedAt !== null,
  verifiedAt: d.verifiedAt?.toISOString() ?? null,
  lastCheckedAt: d.lastCheckedAt?.toISOString() ?? null,
  txtRecord: { name: verificationRecordName(d.domain), value: verificationRecordValue(d.verificationToken) },
});

function domainOf(value: string): string {
  const domain = normalizeDomain(value);
  if (!domain) throw new BadRequest('not a domain name', { field: 'domain' });
  if (PUBLIC_EMAIL_DOMAINS.has(domain))
    throw new BadRequest('a public mailbox provider is not a company domain');
  return domain;
}

/**
 * A tenant claims a company domain: it gets a TXT record to publish (`_quire-verification.<domain>`
 * = `quire-verification=<token>`). Claimed is not verified: discovery answers only once DNS
 * proves it. A domain another tenant verified is refused; one it merely claimed can be claimed
 * again (the first to verify wins).
 */
export async function claimDomain({
  ctx,
  input,
}: {
  ctx: OpsCtx;
  input: { idOrSlug: string; domain: string };
}) {
  const domain = domainOf(input.domain);
  return ctx.deps.db.transaction(async (tx) => {
    const tenant = await findTenant(tx, input.idOrSlug);
    const [existing] = await tx
      .select()
      .from(tenantDomains)
      .where(eq(tenantDomains.domain, domain))
      .for('update');
    if (existing?.tenantId === tenant.id) return presentDomain(existing);
    if (existing?.verifiedAt)
      throw new Conflict('the domain is verified by another tenant', { reason: 'domain_taken' });
    const token = randomBytes(18).toString('base64url');
    const [row] = existing
      ? await tx
          .update(tenantDomains)
          .set({
            tenantId: tenant.id,
            verificationToken: token,
            createdAt: ctx.deps.clock.now(),
            lastCheckedAt: null,
          })
          .where(eq(tenantDomains.domain, domain))
          .returning()
      : await tx
          .insert(tenantDomains)
          .values({ domain, tenantId: tenant.id, verificationToken: token })
          .returning();
    await auditAction(tx, ctx, {
      action: 'domains.claim',
      targetType: 'tenant',
      targetId: tenant.id,
      details: { domain },
    });
    return presentDomain(row!);
  });
}

/** Looks the TXT record up now; verified when it holds the token (DNS is the proof, nothing else). */
export async function verifyDomain({
  ctx,
  input,
}: {
  ctx: OpsCtx;
  input: { idOrSlug: string; domain: string };
}) {
  const domain = domainOf(input.domain);
  const tenant = await findTenant(ctx.deps.db, input.idOrSlug);
  const [row] = await ctx.deps.db
    .select()
    .from(tenantDomains)
    .where(and(eq(tenantDomains.domain, domain), eq(tenantDomains.tenantId, tenant.id)));
  if (!row) throw new NotFound('domain');
  const records = await ctx.deps.dns.resolveTxt(verificationRecordName(domain)).catch(() => [] as string[][]);
  const proved = records.some((chunks) => chunks.join('') === verificationRecordValue(row.verificationToken));
  return ctx.deps.db.transaction(async (tx) => {
    const now = ctx.deps.clock.now();
    const [saved] = await tx
      .update(tenantDomains)
      .set({ lastCheckedAt: now, ...(proved && !row.verifiedAt ? { verifiedAt: now } : {}) })
      .where(and(eq(tenantDomains.domain, domain), eq(tenantDomains.tenantId, tenant.id)))
      .returning();
    await auditAction(tx, ctx, {
      action: 'domains.verify',
      targetType: 'tenant',
      targetId: tenant.id,
      details: { domain, verified: saved!.verifiedAt !== null },
    });
    return presentDomain(saved!);
  });
}

export async function listDomains({ ctx, input }: { ctx: OpsCtx; input: { idOrSlug: string } }) {
  const tenant = await findTenant(ctx.deps.db, input.idOrSlug);
  const rows = await ctx.deps.db
    .select()
    .from(tenantDomains)
    .where(eq(tenantDomains.tenantId, tenant.id))
    .orderBy(asc(tenantDomains.domain));
  return { items: rows.map(presentDomain) };
}

export async function removeDomain({
  ctx,
  input,
}: {
  ctx: OpsCtx;
  input: { idOrSlug: string; domain: string };
}) {
  const domain = domainOf(input.domain);
  return ctx.deps.db.transaction(async (tx) => {
    const tenant = await findTenant(tx, input.idOrSlug);
    const gone = await tx
      .delete(tenantDomains)
      .where(and(eq(tenantDomains.domain, domain), eq(tenantDomains.tenantId, tenant.id)))
      .returning();
    if (gone.length === 0) throw new NotFound('domain');
    await auditAction(tx, ctx, {
      action: 'domains.remove',
      targetType: 'tenant',
      targetId: tenant.id,
      details: { domain },
    });
  });
}

/** For the edge: the routed tenant that verified this domain, or NotFound. */
export async function discoverTenant(deps: CpDeps, domainInput: string): Promise<DiscoverResult> {
  const domain = normalizeDomain(domainInput);
  if (!domain) throw new NotFound('tenant');
  const [row] = await deps.db
    .select({
      id: tenants.id,
      slug: tenants.slug,
      region: tenants.region,
      strictResidency: tenants.strictResidency,
      status: tenants.status,
    })
    .from(tenantDomains)
    .innerJoin(tenants, eq(tenants.id, tenantDomains.tenantId))
    .where(and(eq(tenantDomains.domain, domain), isNotNull(tenantDomains.verifiedAt)));
  if (!row || (row.status !== 'active' && row.status !== 'suspended')) throw new NotFound('tenant');
  return { tenant: { id: row.id, slug: row.slug, region: row.region, strictResidency: row.strictResidency } };
}
