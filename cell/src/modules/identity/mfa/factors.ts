import { newId } from '@quire/shared/ids';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { CellDeps } from '../../../context.ts';
import { openSecret, sealSecret } from '../../../crypto/secret-box.ts';
import { mfaFactors, mfaRecoveryCodes } from '../../../db/schema/index.ts';
import type { Tx } from '../../../db/tenant-tx.ts';
import { newRecoveryCodes, newTotpSecret, otpauthUri, recoveryHash, totpStep } from './totp.ts';

export type FactorRow = typeof mfaFactors.$inferSelect;

const purpose = (factorId: string) => `mfa-totp:${factorId}`;

export async function factorsOf(tx: Tx, tenantId: string, userId: string): Promise<FactorRow[]> {
  return tx
    .select()
    .from(mfaFactors)
    .where(and(eq(mfaFactors.tenantId, tenantId), eq(mfaFactors.userId, userId)));
}

/**
 * A new TOTP factor, unconfirmed until a first code proves the app holds the secret (an
 * unconfirmed factor requires nothing of anyone). Replaces any earlier unconfirmed one. The
 * secret is stored encrypted under the tenant's key.
 */
export async function startTotp(
  tx: Tx,
  deps: CellDeps,
  tenantId: string,
  userId: string,
  account: string,
): Promise<{ factorId: string; secret: string; otpauthUri: string }> {
  await tx
    .delete(mfaFactors)
    .where(
      and(eq(mfaFactors.tenantId, tenantId), eq(mfaFactors.userId, userId), isNull(mfaFactors.confirmedAt)),
    );
  const factorId = newId('mfaFactor');
  const secret = newTotpSecret();
  await tx.insert(mfaFactors).values({
    tenantId,
    id: factorId,
    userId,
    kind: 'totp',
    label: 'Authenticator app',
    secretEnc: await sealSecret(deps.keyring, tenantId, purpose(factorId), Buffer.from(secret)),
  });
  return { factorId, secret, otpauthUri: otpauthUri(secret, account, 'Quire') };
}

/**
 * Checks a code against a factor and spends its time step: the update succeeds only for a
 * step later than the last one used, so a code works once, and of two requests racing with
 * the same code exactly one wins (the row lock orders them).
 */
export async function spendTotp(tx: Tx, deps: CellDeps, factor: FactorRow, code: string): Promise<boolean> {
  const secret = (
    await openSecret(deps.keyring, factor.tenantId, purpose(factor.id), factor.secretEnc)
  ).toString();
  const step = totpStep(secret, code);
  if (step === null) return false;
  const spent = await tx
    .update(mfaFactors)
    .set({ lastStep: step, ...(factor.confirmedAt ? {} : { confirmedAt: sql`now()` }) })
    .where(
      and(
        eq(mfaFactors.tenantId, factor.tenantId),
        eq(mfaFactors.id, factor.id),
        lt(mfaFactors.lastStep, step),
      ),
    )
    .returning({ id: mfaFactors.id });
  return spent.length === 1;
}

/** Spends one unused recovery code (once: the update is conditional on it being unused). */
export async function spendRecoveryCode(tx: Tx, tenantId: string, userId: string, code: string) {
  const used = await tx
    .update(mfaRecoveryCodes)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(mfaRecoveryCodes.tenantId, tenantId),
        eq(mfaRecoveryCodes.userId, userId),
        eq(mfaRecoveryCodes.codeHash, recoveryHash(code)),
        isNull(mfaRecoveryCodes.usedAt),
      ),
    )
    .returning({ hash: mfaRecoveryCodes.codeHash });
  return used.length === 1;
}

/** A fresh set of recovery codes (the old ones stop working); returned once, stored hashed. */
export async function replaceRecoveryCodes(tx: Tx, tenantId: string, userId: string): Promise<string[]> {
  await tx
    .delete(mfaRecoveryCodes)
    .where(and(eq(mfaRecoveryCodes.tenantId, tenantId), eq(mfaRecoveryCodes.userId, userId)));
  const codes = newRecoveryCodes();
  await tx
    .insert(mfaRecoveryCodes)
    .values(codes.map((c) => ({ tenantId, userId, codeHash: recoveryHash(c) })));
  return codes;
}

export async function remainingRecoveryCodes(tx: Tx, tenantId: string, userId: string): Promise<number> {
  return tx.$count(
    mfaRecoveryCodes,
    and(
      eq(mfaRecoveryCodes.tenantId, tenantId),
      eq(mfaRecoveryCodes.userId, userId),
      isNull(mfaRecoveryCodes.usedAt),
    ),
  );
}

/** Removes every factor and recovery code of a user (their own choice, or an admin's reset). */
export async function removeFactors(tx: Tx, tenantId: string, userId: string): Promise<number> {
  await tx
    .delete(mfaRecoveryCodes)
    .where(and(eq(mfaRecoveryCodes.tenantId, tenantId), eq(mfaRecoveryCodes.userId, userId)));
  const removed = await tx
    .delete(mfaFactors)
    .where(and(eq(mfaFactors.tenantId, tenantId), eq(mfaFactors.userId, userId)))
    .returning({ id: mfaFactors.id, confirmedAt: mfaFactors.confirmedAt });
  return removed.filter((f) => f.confirmedAt !== null).length;
}

export const confirmed = (factors: FactorRow[]) => factors.filter((f) => f.confirmedAt !== null);
export const pending = (factors: FactorRow[]) => factors.filter((f) => f.confirmedAt === null);
