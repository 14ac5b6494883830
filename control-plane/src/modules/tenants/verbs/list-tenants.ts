import type { OpsCtx } from '../../../context.ts';
import { presentTenant } from '../presenter.ts';
import { selectTenants, type TenantFilter } from '../repo.ts';

export async function listTenants({ ctx, input }: { ctx: OpsCtx; input: TenantFilter }) {
  const rows = await selectTenants(ctx.deps.db, input);
  const page = rows.slice(0, input.limit);
  return {
    tenants: page.map(presentTenant),
    nextCursor: rows.length > input.limit ? page.at(-1)!.id : null,
  };
}
