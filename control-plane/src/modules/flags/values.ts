import { Conflict, NotFound, QuireError } from '@quire/shared/errors';
import type { Tx } from '../../db/client.ts';
import type { FlagValue } from '../../db/schema/index.ts';
import { selectDefinitions, writeTenantFlag } from './repo.ts';

/** A value must keep the type of the flag's default: a boolean flag never becomes "yes". */
export function checkFlagType(def: { key: string; defaultValue: FlagValue }, value: FlagValue, path: string) {
  if (typeof value !== typeof def.defaultValue)
    throw new QuireError('validation_failed', 'request is invalid', [
      { path, message: `flag ${def.key} takes a ${typeof def.defaultValue}` },
    ]);
}

/**
 * Writes a tenant's own flag values (null clears one) inside the caller's transaction: every
 * key must be a defined flag (404 otherwise), every value of its default's type (409 otherwise:
 * the request is well formed, it is the stored definition that decides).
 */
export async function writeTenantFlags(tx: Tx, tenantId: string, flags: Record<string, FlagValue | null>) {
  const keys = Object.keys(flags);
  const defs = await selectDefinitions(tx, keys);
  for (const key of keys) {
    const def = defs.find((d) => d.key === key);
    if (!def)
      throw new NotFound(`flag ${key} (define it first: PUT /v1/admin/flags/{key})`, {
        path: `flags.${key}`,
      });
    const value = flags[key] ?? null;
    if (value !== null && typeof value !== typeof def.defaultValue)
      throw new Conflict(`flag ${key} takes a ${typeof def.defaultValue}`, {
        path: `flags.${key}`,
        reason: 'flag_type',
      });
    await writeTenantFlag(tx, tenantId, key, value);
  }
}
