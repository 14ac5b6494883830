/** Tenant roles: the ceiling of what a user may do anywhere in the tenant. */
export const TENANT_ROLES = ['viewer', 'editor', 'admin'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/** Roles a grant on a folder or document can give; inherited down the folder tree. */
export const GRANT_ROLES = ['viewer', 'editor', 'owner'] as const;
export type GrantRole = (typeof GRANT_ROLES)[number];

/** A tenant's state in its cell; `offboarding` is the read-only grace period before deletion. */
export const TENANT_STATUSES = ['active', 'suspended', 'offboarding'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** Who is acting. Every tenant-scoped call carries exactly one. */
export type Actor =
  | { type: 'user'; userId: string; role: TenantRole; sessionId: string }
  | { type: 'system'; name: string };
