import type { OpsRole } from '../../actor.ts';

/**
 * Who may do what on the admin API. Support reads (tenants, cells, plans, flags) and changes
 * nothing; sales ops run the tenant lifecycle; platform admins also run cells, plans, flag
 * definitions, ops tokens and read the ops audit.
 */

const SUPPORT = [
  'tenants.list',
  'tenants.show',
  'cells.list',
  'cells.show',
  'plans.read',
  'flags.read',
] as const;

const SALES_OPS = [
  'tenants.create',
  'tenants.list',
  'tenants.show',
  'tenants.update',
  'tenants.suspend',
  'tenants.resume',
  'tenants.offboard',
  'tenants.reactivate',
  'tenants.set-plan',
  'tenants.flags',
  'tenants.domains',
  'plans.read',
  'flags.read',
] as const;

const PLATFORM_ADMIN = [
  ...SALES_OPS,
  'cells.create',
  'cells.list',
  'cells.show',
  'cells.drain',
  'cells.undrain',
  'cells.rotate-credential',
  'plans.write',
  'flags.write',
  'ops-tokens.create',
  'ops-tokens.list',
  'ops-tokens.revoke',
  'audit.read',
] as const;

export const OPS_ACTIONS = PLATFORM_ADMIN;
export type OpsAction = (typeof PLATFORM_ADMIN)[number];

const GRANTS: Record<OpsRole, ReadonlySet<OpsAction>> = {
  support: new Set<OpsAction>(SUPPORT),
  'sales-ops': new Set<OpsAction>(SALES_OPS),
  'platform-admin': new Set<OpsAction>(PLATFORM_ADMIN),
};

export function allows(role: OpsRole, action: OpsAction): boolean {
  return GRANTS[role].has(action);
}

/** Everything a role may do: what a client shows (the admin page offers only these). */
export function allowedActions(role: OpsRole): OpsAction[] {
  return PLATFORM_ADMIN.filter((a) => GRANTS[role].has(a));
}
