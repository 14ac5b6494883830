import { keyValues, table } from '../table.ts';
import { arg, type Command, type CommandContext, noExtraArgs, printJson, required, seg } from './command.ts';

interface Cell {
  id: string;
  region: string;
  status: string;
  baseUrl: string | null;
  version: string | null;
  capacity: number;
  search: { engine: string; maxTenantDocuments: number | null; reported: boolean };
  reportedTenantCount: number;
  homedTenants: number;
  lastHeartbeatAt: string | null;
}

async function list(ctx: CommandContext): Promise<number> {
  noExtraArgs(ctx, 0);
  const res = await ctx.api.call<{ cells: Cell[] }>('GET', '/v1/admin/cells');
  if (ctx.json) return printJson(ctx, res);
  ctx.out.stdout(
    table(
      [
        'id',
        'region',
        'status',
        'tenants',
        'capacity',
        'search (max docs)',
        'version',
        'base url',
        'last heartbeat',
      ],
      res.cells.map((c) => [
        c.id,
        c.region,
        c.status,
        c.homedTenants,
        c.capacity,
        searchText(c.search),
        c.version,
        c.baseUrl,
        c.lastHeartbeatAt,
      ]),
    ),
  );
  return 0;
}

/** `postgres 100000`, `opensearch unlimited`; `(assumed)` for a cell that does not report it. */
function searchText(s: Cell['search']): string {
  return `${s.engine} ${s.maxTenantDocuments ?? 'unlimited'}${s.reported ? '' : ' (assumed)'}`;
}

async function create(ctx: CommandContext): Promise<number> {
  noExtraArgs(ctx, 0);
  const res = await ctx.api.call<{ cell: Cell; credential: string }>('POST', '/v1/admin/cells', {
    id: required(ctx, 'id'),
    region: required(ctx, 'region'),
  });
  return printCredential(ctx, res, 'created');
}

function printCredential(ctx: CommandContext, res: { cell: Cell; credential: string }, verb: string): number {
  if (ctx.json) return printJson(ctx, res);
  ctx.out.stdout(`cell ${res.cell.id} (${res.cell.region}) ${verb}: ${res.cell.status}`);
  ctx.out.stdout(
    keyValues([
      ['credential', res.credential],
      [
        'deploy with',
        `CELL_ID=${res.cell.id} CELL_REGION=${res.cell.region} INTERNAL_API_TOKEN=<credential>`,
      ],
    ]),
  );
  ctx.out.stdout('The credential is shown once: store it in the cell’s secret store now.');
  return 0;
}

const drain =
  (verb: 'drain' | 'undrain'): Command['run'] =>
  async (ctx) => {
    const id = arg(ctx, 0, 'cell id');
    noExtraArgs(ctx, 1);
    const res = await ctx.api.call<{ cell: Cell }>('POST', `/v1/admin/cells/${seg(id)}/${verb}`);
    if (ctx.json) return printJson(ctx, res);
    ctx.out.stdout(`cell ${res.cell.id}: ${res.cell.status}`);
    return 0;
  };

async function rotate(ctx: CommandContext): Promise<number> {
  const id = arg(ctx, 0, 'cell id');
  noExtraArgs(ctx, 1);
  const res = await ctx.api.call<{ cell: Cell; credential: string }>(
    'POST',
    `/v1/admin/cells/${seg(id)}/credential`,
  );
  return printCredential(ctx, res, 'has a new credential (the old one no longer works)');
}

export const cellCommands: Record<string, Command> = {
  'cells list': { usage: '', options: {}, run: list },
  'cells create': {
    usage: '--id ID --region REGION',
    help: 'Opens a slot for a cell and prints its credential once (platform-admin).',
    options: { id: { type: 'string' }, region: { type: 'string' } },
    run: create,
  },
  'cells drain': { usage: '<id>', options: {}, run: drain('drain') },
  'cells undrain': { usage: '<id>', options: {}, run: drain('undrain') },
  'cells rotate-credential': { usage: '<id>', options: {}, run: rotate },
};
