/**
 * Who makes an admin request. Core, not ops-auth: the request context and every module's
 * audit entries carry the actor, while which role may do what stays ops-auth's business
 * (`modules/ops-auth/roles.ts`).
 */
export const OPS_ROLES = ['support', 'sales-ops', 'platform-admin'] as const;
export type OpsRole = (typeof OPS_ROLES)[number];

export interface Actor {
  /** The ops token id, or `bootstrap` for OPS_BOOTSTRAP_TOKEN. */
  id: string;
  role: OpsRole;
}
