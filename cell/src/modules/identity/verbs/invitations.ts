import { Unauthenticated } from '@quire/shared/errors';
import { tenantOfSecret } from '@quire/shared/tenant-secrets';
import { and, eq, isNull } from 'drizzle-orm';
import { appendInTx } from '../../../audit-trail/append.ts';
import { auditEntry, auditOrigin } from '../../../audit-trail/entry.ts';
import { secretHash } from '../../../auth/tenant-secrets.ts';
import type { CellDeps } from '../../../context.ts';
import { invitations, users } from '../../../db/schema/index.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import type { ClientInfo } from '../../../middleware/client-info.ts';
import { hashPassword } from '../passwords.ts';

/**
 * An invited user chooses a password; the invitation is single-use and expires. The token was
 * checked against its shape at the boundary, so its tenant part is a tenant id.
 */
export async function acceptInvitation(
  deps: CellDeps,
  input: { token: string; password: string },
  meta: { requestId: string; client: ClientInfo },
) {
  const tenantId = tenantOfSecret(input.token);
  const tenant = await deps.tenants.get(tenantId);
  if (tenant?.status !== 'active') throw new Unauthenticated('invitation is invalid or expired');
  const passwordHash = await hashPassword(input.password);
  const tokenHash = secretHash(input.token);
  return withTenantTx(deps.db, tenant.id, async (tx) => {
    const [inv] = await tx
      .select()
      .from(invitations)
      .where(
        and(
          eq(invitations.tenantId, tenant.id),
          eq(invitations.tokenHash, tokenHash),
          isNull(invitations.acceptedAt),
        ),
      )
      .for('update');
    if (!inv || inv.expiresAt < new Date()) throw new Unauthenticated('invitation is invalid or expired');
    await tx
      .update(invitations)
      .set({ acceptedAt: new Date() })
      .where(and(eq(invitations.tenantId, tenant.id), eq(invitations.id, inv.id)));
    const [user] = await tx
      .update(users)
      .set({ passwordHash, status: 'active', updatedAt: new Date() })
      .where(and(eq(users.tenantId, tenant.id), eq(users.id, inv.userId)))
      .returning();
    await appendInTx(tx, [
      auditEntry(auditOrigin(tenant.id, meta), user!.id, {
        action: 'auth.invitation_accepted',
        resourceType: 'user',
        resourceId: user!.id,
      }),
    ]);
    return { userId: user!.id, email: user!.email };
  });
}
