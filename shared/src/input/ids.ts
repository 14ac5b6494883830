import { z } from 'zod';
import { ID_PREFIXES, type IdKind, TENANT_ID_PATTERN } from '../ids.ts';

/**
 * Ids at the boundary, by their exact shape: a malformed id never reaches a query (or the
 * tenant setting), and the OpenAPI document says the same pattern the check applies.
 */

/** The pattern of one kind of id, for schemas that accept several (`^(fld|doc)_…$`). */
export function idPattern(...prefixes: string[]): string {
  const prefix = prefixes.length === 1 ? prefixes[0] : `(${prefixes.join('|')})`;
  return `^${prefix}_[0-9a-z]{25}$`;
}

/** An id of one kind (`doc_…`), with its description for the document. */
export function idSchema(kind: IdKind, description: string) {
  return idOfPrefix(ID_PREFIXES[kind], description);
}

/** The same, by prefix: for callers that name the prefix itself. */
export function idOfPrefix(prefix: string, description: string) {
  return z
    .string()
    .regex(new RegExp(idPattern(prefix)), `must be a ${prefix}_ id`)
    .meta({ description, example: `${prefix}_01hzy3k5m8q2w4e6r8t0y2u4i` });
}

/** One of several kinds (`fld_…` or `doc_…`). */
export function idOfKinds(kinds: IdKind[], description: string) {
  const prefixes = kinds.map((k) => ID_PREFIXES[k]);
  return z
    .string()
    .regex(new RegExp(idPattern(...prefixes)), `must be a ${prefixes.join('_ or ')}_ id`)
    .meta({ description, example: `${prefixes[0]}_01hzy3k5m8q2w4e6r8t0y2u4i` });
}

/** A tenant id (`ten_` + the control plane's choice of 1-40 lowercase letters, digits, dashes). */
export const tenantIdSchema = z
  .string()
  .regex(TENANT_ID_PATTERN, 'must be a tenant id (ten_…)')
  .meta({ description: 'Tenant id', example: 'ten_acme' });
