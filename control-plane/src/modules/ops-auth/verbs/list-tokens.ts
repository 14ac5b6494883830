import type { OpsCtx } from '../../../context.ts';
import { presentToken } from '../presenter.ts';
import { listTokens as selectTokens } from '../repo.ts';

export async function listTokens({ ctx }: { ctx: OpsCtx }) {
  return { opsTokens: (await selectTokens(ctx.deps.db)).map(presentToken) };
}
