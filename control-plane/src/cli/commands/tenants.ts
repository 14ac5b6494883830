import { keyValues, table } from '../table.ts';
import {
  arg,
  type Command,
  type CommandContext,
  noExtraArgs,
  optional,
  printJson,
  required,
  seg,
  UsageError,
} from './command.ts';

interface Tenant {
  id: string;
  slug: string;
  displayName: string;
  region: string;
  cellId: string | null;
  plan: string;
  planOverrides: Record<string, number | null>;
  tier: string;
  status: string;
  strictResidency: boolean;
  createdAt: string;
}
interface Job {
  step: string;
  attempts: number;
  lastError: string | null;
  history: { step: string; at: string }[];
}
interface Change {
  tenant: Tenant;
  changed: boolean;
  push: { pushed: boolean; error: string | null } | null;
}

function tenantPairs(t: Tenant): [string, string | number | boolean | null][] {
  const overrides = Object.entries(t.planOverrides)
    .map(([k, v]) => `${k}=${v ?? 'unlimited'}`)
    .join(', ');
  return [
    ['id', t.id],
    ['slug', t.slug],
    ['name', t.displayName],
    ['status', t.status],
    ['region', t.region],
    ['cell', t.cellId],
    ['plan', t.plan],
    ['overrides', overrides],
    ['tier', t.tier],
    ['strict residency', t.strictResidency ? 'yes' : 'no'],
    ['created', t.createdAt],
  ];
}

function pushLine(c: Change): string {
  if (!c.push) return '';
  return c.push.pushed
    ? ` (cell ${c.tenant.cellId} updated)`
    : ` (cell ${c.tenant.cellId} not reached: ${c.push.error}; it converges on its next config pull)`;
}

/** `key=value` from the command line: true/false, numbers, `null`/`unlimited`, else a string. */
function parseValue(raw: string): boolean | number | string | null {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null' || raw === 'unlimited') return null;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

function assignments(list: string[], what: string): Record<string, boolean | number | string | null> {
  const out: Record<string, boolean | number | string | null> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${what} must look like key=value, got "${item}"`);
    out[item.slice(0, eq)] = parseValue(item.slice(eq + 1));
  }
  return out;
}

async function create(ctx: CommandContext): Promise<number> {
  noExtraArgs(ctx, 0);
  const password = optional(ctx, 'admin-password') ?? ctx.env.QUIRE_ADMIN_PASSWORD;
  const body = {
    slug: required(ctx, 'slug'),
    displayName: required(ctx, 'name'),
    region: required(ctx, 'region'),
    plan: required(ctx, 'plan'),
    ...(optional(ctx, 'tier') ? { tier: optional(ctx, 'tier') } : {}),
    strictResidency: ctx.values['strict-residency'] === true,
    admin: {
      email: required(ctx, 'admin-email'),
      name: required(ctx, 'admin-name'),
      ...(password ? { password } : {}),
    },
  };
  const key = optional(ctx, 'idempotency-key');
  const res = await ctx.api.call<{
    tenant: Tenant;
    job: Job;
    created: boolean;
    invitationToken: string | null;
  }>('POST', '/v1/admin/tenants', body, key ? { 'idempotency-key': key } : {});
  if (ctx.json) printJson(ctx, res);
  else {
    const verb = res.created ? 'created' : 'already exists (same request)';
    ctx.out.stdout(`tenant ${res.tenant.id} ${verb}: ${res.tenant.status} in cell ${res.tenant.cellId}`);
    ctx.out.stdout(keyValues(tenantPairs(res.tenant)));
    if (res.invitationToken) {
      ctx.out.stdout('');
      ctx.out.stdout(`invitation token (give it to the first admin; shown once): ${res.invitationToken}`);
    }
    if (res.tenant.status === 'provisioning' && res.job.step !== 'failed')
      ctx.out.stdout(
        `provisioning continues in the background (step ${res.job.step}, last error: ${res.job.lastError ?? 'none'}); check: quire tenants show ${res.tenant.slug}`,
      );
  }
  if (res.job.step === 'failed') {
    ctx.out.stderr(`error: provisioning_failed: ${res.job.lastError}`);
    return 1;
  }
  return 0;
}

async function list(ctx: CommandContext): Promise<number> {
  noExtraArgs(ctx, 0);
  const q = new URLSearchParams();
  for (const [opt, param] of [
    ['region', 'region'],
    ['status', 'status'],
    ['cell', 'cellId'],
    ['plan', 'plan'],
    ['limit', 'limit'],
    ['after', 'after'],
  ] as const) {
    const v = optional(ctx, opt);
    if (v) q.set(param, v);
  }
  const res = await ctx.api.call<{ tenants: Tenant[]; nextCursor: string | null }>(
    'GET',
    `/v1/admin/tenants${q.size ? `?${q}` : ''}`,
  );
  if (ctx.json) return printJson(ctx, res);
  ctx.out.stdout(
    table(
      ['id', 'slug', 'name', 'status', 'region', 'cell', 'plan', 'tier', 'residency'],
      res.tenants.map((t) => [
        t.id,
        t.slug,
        t.displayName,
        t.status,
        t.region,
        t.cellId,
        t.plan,
        t.tier,
        t.strictResidency ? 'strict' : '-',
      ]),
    ),
  );
  if (res.nextCursor) ctx.out.stdout(`(more: --after ${res.nextCursor})`);
  return 0;
}

async function show(ctx: CommandContext): Promise<number> {
  const id = arg(ctx, 0, 'tenant id or slug');
  noExtraArgs(ctx, 1);
  const res = await ctx.api.call<{
    tenant: Tenant;
    job: (Job & { nextAttemptAt: string | null }) | null;
    limits: Record<string, number | null>;
    flags: Record<string, boolean | number | string>;
  }>('GET', `/v1/admin/tenants/${seg(id)}`);
  if (ctx.json) return printJson(ctx, res);
  ctx.out.stdout(keyValues(tenantPairs(res.tenant)));
  if (res.job) {
    ctx.out.stdout('\nprovisioning');
    ctx.out.stdout(
      keyValues([
        ['step', res.job.step],
        ['attempts', res.job.attempts],
        ['last error', res.job.lastError],
        ['next attempt', res.job.nextAttemptAt],
      ]),
    );
    ctx.out.stdout(
      table(
        ['step', 'at'],
        res.job.history.map((h) => [h.step, h.at]),
      ),
    );
  }
  ctx.out.stdout('\nlimits');
  ctx.out.stdout(
    table(
      ['limit', 'value'],
      Object.entries(res.limits).map(([k, v]) => [k, v ?? 'unlimited']),
    ),
  );
  if (Object.keys(res.flags).length) {
    ctx.out.stdout('\nflags');
    ctx.out.stdout(
      table(
        ['flag', 'value'],
        Object.entries(res.flags).map(([k, v]) => [k, String(v)]),
      ),
    );
  }
  return 0;
}

const lifecycle =
  (verb: 'suspend' | 'resume' | 'reactivate'): Command['run'] =>
  async (ctx) => {
    const id = arg(ctx, 0, 'tenant id or slug');
    noExtraArgs(ctx, 1);
    const res = await ctx.api.call<Change>('POST', `/v1/admin/tenants/${seg(id)}/${verb}`);
    if (ctx.json) return printJson(ctx, res);
    const what = res.changed ? res.tenant.status : `already ${res.tenant.status}`;
    ctx.out.stdout(`tenant ${res.tenant.id} ${what}${pushLine(res)}`);
    return 0;
  };

interface Offboard {
  tenant: { id: string; status: string; offboarding: { deleteAfter: string | null } | null };
  changed: boolean;
  exportId: string | null;
}

async function offboard(ctx: CommandContext): Promise<number> {
  const id = arg(ctx, 0, 'tenant id or slug');
  noExtraArgs(ctx, 1);
  const res = await ctx.api.call<Offboard>('POST', `/v1/admin/tenants/${seg(id)}/offboard`);
  if (ctx.json) return printJson(ctx, res);
  const when = res.tenant.offboarding?.deleteAfter ?? 'unknown';
  ctx.out.stdout(
    `tenant ${res.tenant.id} ${res.changed ? 'offboarding' : 'already offboarding'}: read-only, deleted after ${when}`,
  );
  if (res.exportId)
    ctx.out.stdout(`customer export ${res.exportId} (its admins download it at GET /v1/exports)`);
  return 0;
}

async function setPlan(ctx: CommandContext): Promise<number> {
  const id = arg(ctx, 0, 'tenant id or slug');
  const plan = arg(ctx, 1, 'plan (standard, professional, enterprise)');
  noExtraArgs(ctx, 2);
  const overrideList = (ctx.values.override as string[] | undefined) ?? [];
  const body: Record<string, unknown> = { plan };
  if (ctx.values['clear-overrides'] === true) body.overrides = {};
  if (overrideList.length) body.overrides = assignments(overrideList, '--override');
  const res = await ctx.api.call<Change>('PUT', `/v1/admin/tenants/${seg(id)}/plan`, body);
  if (ctx.json) return printJson(ctx, res);
  ctx.out.stdout(`tenant ${res.tenant.id} on plan ${res.tenant.plan}${pushLine(res)}`);
  const overrides = Object.entries(res.tenant.planOverrides);
  if (overrides.length)
    ctx.out.stdout(
      table(
        ['override', 'value'],
        overrides.map(([k, v]) => [k, v ?? 'unlimited']),
      ),
    );
  return 0;
}

async function flags(ctx: CommandContext): Promise<number> {
  const id = arg(ctx, 0, 'tenant id or slug');
  const set = assignments(ctx.args.slice(1), 'a flag');
  for (const key of (ctx.values.clear as string[] | undefined) ?? []) set[key] = null;
  type Flags = {
    tenantId: string;
    flags: { key: string; value: boolean | number | string; source: string }[];
  };
  const res = Object.keys(set).length
    ? await ctx.api.call<Flags>('PUT', `/v1/admin/tenants/${seg(id)}/flags`, { flags: set })
    : await ctx.api.call<Flags>('GET', `/v1/admin/tenants/${seg(id)}/flags`);
  if (ctx.json) return printJson(ctx, res);
  if (res.flags.length === 0) ctx.out.stdout('no flags defined');
  else
    ctx.out.stdout(
      table(
        ['flag', 'value', 'source'],
        res.flags.map((f) => [f.key, String(f.value), f.source]),
      ),
    );
  return 0;
}

async function update(ctx: CommandContext): Promise<number> {
  const id = arg(ctx, 0, 'tenant id or slug');
  noExtraArgs(ctx, 1);
  const body: Record<string, unknown> = {};
  const name = optional(ctx, 'name');
  if (name) body.displayName = name;
  const strict = optional(ctx, 'strict-residency');
  if (strict !== undefined) {
    if (strict !== 'true' && strict !== 'false')
      throw new UsageError('--strict-residency takes true or false');
    body.strictResidency = strict === 'true';
  }
  if (!Object.keys(body).length) throw new UsageError('nothing to change: give --name or --strict-residency');
  const res = await ctx.api.call<Change>('PATCH', `/v1/admin/tenants/${seg(id)}`, body);
  if (ctx.json) return printJson(ctx, res);
  ctx.out.stdout(keyValues(tenantPairs(res.tenant)));
  return 0;
}

export const tenantCommands: Record<string, Command> = {
  'tenants create': {
    usage:
      '--slug SLUG --name NAME --region REGION --plan PLAN [--tier TIER] [--strict-residency] --admin-email EMAIL --admin-name NAME [--admin-password PW] [--idempotency-key KEY]',
    help: 'Creates, places and provisions a tenant; safe to repeat. Prints the invitation token for the first admin unless a password was given (or QUIRE_ADMIN_PASSWORD is set).',
    options: {
      slug: { type: 'string' },
      name: { type: 'string' },
      region: { type: 'string' },
      plan: { type: 'string' },
      tier: { type: 'string' },
      'strict-residency': { type: 'boolean' },
      'admin-email': { type: 'string' },
      'admin-name': { type: 'string' },
      'admin-password': { type: 'string' },
      'idempotency-key': { type: 'string' },
    },
    run: create,
  },
  'tenants list': {
    usage: '[--region R] [--status S] [--cell C] [--plan P] [--limit N] [--after ID]',
    options: {
      region: { type: 'string' },
      status: { type: 'string' },
      cell: { type: 'string' },
      plan: { type: 'string' },
      limit: { type: 'string' },
      after: { type: 'string' },
    },
    run: list,
  },
  'tenants show': { usage: '<id|slug>', options: {}, run: show },
  'tenants update': {
    usage: '<id|slug> [--name NAME] [--strict-residency true|false]',
    options: { name: { type: 'string' }, 'strict-residency': { type: 'string' } },
    run: update,
  },
  'tenants suspend': { usage: '<id|slug>', options: {}, run: lifecycle('suspend') },
  'tenants resume': { usage: '<id|slug>', options: {}, run: lifecycle('resume') },
  'tenants offboard': {
    usage: '<id|slug>',
    help: 'Read-only for the grace period (OFFBOARDING_GRACE_DAYS, 30), the customer export made, then deleted and its key destroyed.',
    options: {},
    run: offboard,
  },
  'tenants reactivate': { usage: '<id|slug>', options: {}, run: lifecycle('reactivate') },
  'tenants set-plan': {
    usage: '<id|slug> <plan> [--override limit=value ...] [--clear-overrides]',
    help: 'Overrides replace all previous ones; value "unlimited" (or null) lifts a limit.',
    options: { override: { type: 'string', multiple: true }, 'clear-overrides': { type: 'boolean' } },
    run: setPlan,
  },
  'tenants flags': {
    usage: '<id|slug> [flag=value ...] [--clear flag ...]',
    help: 'Without assignments: shows the effective flags and where each value comes from (default, plan, tenant).',
    options: { clear: { type: 'string', multiple: true } },
    run: flags,
  },
};
