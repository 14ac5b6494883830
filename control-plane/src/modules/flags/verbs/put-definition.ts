import type { PlanId } from '@quire/shared/plans';
import type { OpsCtx } from '../../../context.ts';
import { auditAction } from '../../../db/audit.ts';
import type { FlagValue } from '../../../db/schema/index.ts';
import { bumpVersions } from '../../../db/versions.ts';
import { upsertDefinition, writePlanFlag } from '../repo.ts';
import { checkFlagType } from '../values.ts';
import { listDefinitions } from './list-definitions.ts';

/** Defines or changes a flag: its default and per-plan values (null removes a plan value). */
export async function putDefinition({
  ctx,
  input,
}: {
  ctx: OpsCtx;
  input: {
    key: string;
    description?: string | undefined;
    default: FlagValue;
    plans?: Partial<Record<PlanId, FlagValue | null>> | undefined;
  };
}) {
  const { key } = input;
  const def = { key, defaultValue: input.default };
  const planValues = Object.entries(input.plans ?? {});
  for (const [plan, value] of planValues)
    if (value !== null && value !== undefined) checkFlagType(def, value, `plans.${plan}`);
  await ctx.deps.db.transaction(async (tx) => {
    await upsertDefinition(tx, { ...def, description: input.description, at: ctx.deps.clock.now() });
    for (const [planId, value] of planValues) await writePlanFlag(tx, planId, key, value ?? null);
    await bumpVersions(tx, 'config');
    await auditAction(tx, ctx, {
      action: 'flags.write',
      targetType: 'flag',
      targetId: key,
      details: { default: input.default, plans: input.plans ?? {} },
    });
  });
  const { flags } = await listDefinitions({ ctx });
  return { flag: flags.find((d) => d.key === key)! };
}
