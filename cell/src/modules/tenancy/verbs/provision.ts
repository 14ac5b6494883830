import { Conflict } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import type { IsolationTier, PlanId } from '@quire/shared/plans';
import { and, eq, sql } from 'drizzle-orm';
import { appendInTx } from '../../../audit-trail/append.ts';
import { auditEntry, auditOrigin } from '../../../audit-trail/entry.ts';
import { newTenantSecret, secretHash } from '../../../auth/tenant-secrets.ts';
import type { CellDeps } from '../../../context.ts';
import { invitations, tenants, users } from '../../../db/schema/index.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import type { ClientInfo } from '../../../middleware/client-info.ts';
import { toRecord } from '../../../tenant-context/directory.ts';
import { hashPassword } from '../../identity/passwords.ts';
import { ensureUsage } from '../../quotas/usage.ts';

export interface ProvisionInput {
  tenantId: string;
  slug: string;
  plan: PlanId;
  tier: IsolationTier;
  admin: { email: string; name: string; password?: string };
}

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Idempotent by tenant id: a retry finds what the first call made and completes it.
 * The first admin gets a password now (initial password flow) or an invitation token,
 * re-issued on every retry until accepted; only its hash is stored.
 */
export async function provisionTenant(
  deps: CellDeps,
  input: ProvisionInput,
  meta: { requestId: string; client: ClientInfo },
) {
  const keyRef = await deps.keyring.ensureTenantKey(input.tenantId);
  const passwordHash = input.admin.password ? await hashPassword(input.admin.password) : null;
  const result = await withTenantTx(deps.db, input.tenantId, async (tx) => {
    const inserted = await tx
      .insert(tenants)
      .values({
        id: input.tenantId,
        slug: input.slug,
        plan: input.plan,
        tier: input.tier,
        keyRef,
        storagePrefix: `tenants/${input.tenantId}/`,
      })
      .onConflictDoNothing()
      .returning({ id: tenants.id });
    const [tenant] = await tx.select().from(tenants).where(eq(tenants.id, input.tenantId));
    let [admin] = await tx
      .select()
      .from(users)
      .where(
        and(eq(users.tenantId, input.tenantId), sql`lower(${users.email}) = lower(${input.admin.email})`),
      );
    const created = !admin;
    // A retry completes the first call; it never adds a second first admin to a tenant that exists.
    if (!admin && inserted.length === 0)
      throw new Conflict('tenant is already provisioned with another first admin', {
        reason: 'tenant_exists',
      });
    if (!admin) {
      [admin] = await tx
        .insert(users)
        .values({
          tenantId: input.tenantId,
          id: newId('user'),
          email: input.admin.email,
          name: input.admin.name,
          role: 'admin',
          status: passwordHash ? 'active' : 'invited',
          passwordHash,
        })
        .returning();
      // The usage row from the start (one user, the admin): the control plane sees it at the next heartbeat.
      await ensureUsage(tx, input.tenantId);
    }
    let invitationToken: string | null = null;
    if (admin!.status === 'invited') {
      await tx
        .delete(invitations)
        .where(and(eq(invitations.tenantId, input.tenantId), eq(invitations.userId, admin!.id)));
      invitationToken = newTenantSecret(input.tenantId);
      await tx.insert(invitations).values({
        tenantId: input.tenantId,
        id: newId('invitation'),
        userId: admin!.id,
        tokenHash: secretHash(invitationToken),
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      });
    }
    if (created) {
      await appendInTx(tx, [
        auditEntry(
          auditOrigin(input.tenantId, meta),
          'control-plane',
          {
            action: 'tenant.provisioned',
            resourceType: 'tenant',
            resourceId: input.tenantId,
            details: { plan: input.plan, tier: input.tier, adminUserId: admin!.id },
          },
          'internal',
        ),
      ]);
    }
    return { tenant: toRecord(tenant!), adminUserId: admin!.id, invitationToken };
  });
  deps.tenants.invalidate(input.tenantId);
  return result;
}
