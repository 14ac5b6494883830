import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertInstalled,
  type ExceptionsFile,
  exclusionArgs,
  type FuzzResult,
  type FuzzRun,
  judge,
  readExceptions,
  runSchemathesis,
} from '../support/schemathesis.ts';
import { startWorld, untilRouted, type World } from '../support/topology.ts';

/**
 * The served OpenAPI documents tell the truth: schemathesis, every check, against the cell's
 * document directly (user routes as two tenants' admins, who must never see each other's
 * objects; internal routes with the control plane's credential) and through the edge, and
 * against the control plane's (ops, cell and edge credentials). Zero findings, or findings
 * listed in schemathesis-exceptions.json with the reason each is accepted.
 *
 * The world is the end-to-end one (control plane and two cells as processes, the edge in
 * workerd). The control plane's run goes last: it suspends tenants, rotates nothing (excluded),
 * edits plans and flags, so nothing runs on the world after it.
 *
 * Budget: every phase (examples, coverage, fuzzing, stateful); --max-examples 5 per operation
 * (QUIRE_FUZZ_MAX_EXAMPLES), which bounds fuzzing and stateful; the coverage phase is
 * deterministic and takes most of the time (about 1,400 requests per cell run). A fixed seed
 * (QUIRE_FUZZ_SEED to explore others), one worker. About 4 minutes on 2 cores, the world included.
 */
const EXCEPTIONS = fileURLToPath(new URL('./schemathesis-exceptions.json', import.meta.url));
const budget = {
  maxExamples: Number(process.env.QUIRE_FUZZ_MAX_EXAMPLES ?? 5),
  seed: process.env.QUIRE_FUZZ_SEED ?? '20261205',
};

let world: World;
let exceptions: ExceptionsFile;
let tokens: { a: string; b: string };
const dir = mkdtempSync(join(tmpdir(), 'quire-contract-'));
const results = new Map<string, FuzzResult>();

beforeAll(async () => {
  assertInstalled();
  exceptions = readExceptions(EXCEPTIONS);
  world = await startWorld({ name: 'contract', redisDbs: [14, 15] });
  const a = await world.provision({ slug: 'fuzz-a', region: 'us' });
  const b = await world.provision({ slug: 'fuzz-b', region: 'us' });
  await untilRouted(world, 'fuzz-a');
  await untilRouted(world, 'fuzz-b');
  tokens = {
    a: await world.login('fuzz-a', a.email, a.password),
    b: await world.login('fuzz-b', b.email, b.password),
  };
}, 180_000);

afterAll(async () => {
  const rows = [...results].map(([name, r]) => ({
    run: name,
    seconds: Math.round(r.seconds),
    operations: r.tested,
    cases: r.generated,
    findings: r.findings.length,
  }));
  if (rows.length > 0) {
    console.log(`schemathesis (max ${budget.maxExamples} examples, seed ${budget.seed}; reports in ${dir})`);
    console.table(rows);
  }
  await world?.close();
}, 60_000);

/** Two tenants' admins, peers: an object one of them created must stay invisible to the other. */
function tenantAuth(): Pick<FuzzRun, 'config' | 'files'> {
  const identity = (name: string, token: string) => ({
    name,
    fixedHeaders: [{ name: 'Authorization', value: `Bearer ${token}` }],
  });
  return {
    config: '[auth.wfc]\npath = "auth.json"\npeers = ["tenant-a", "tenant-b"]\n',
    files: {
      'auth.json': JSON.stringify({ auth: [identity('tenant-a', tokens.a), identity('tenant-b', tokens.b)] }),
    },
  };
}

async function fuzz(run: FuzzRun) {
  const result = await runSchemathesis(
    { ...run, args: [...(run.args ?? []), ...exclusionArgs(exceptions, run.name)] },
    budget,
    dir,
  );
  results.set(run.name, result);
  const { unexpected, unused } = judge(result.findings, exceptions);
  for (const e of unused.filter((u) => u.runs.includes(run.name)))
    console.log(`[${run.name}] exception not reached this run: ${e.operation} ${e.check}`);
  const shown = unexpected.map(
    (f) => `${f.operation} — ${f.check} (${f.code} ${f.title}) at ${f.url}: ${f.message}`,
  );
  expect(shown, `${run.name}: findings not in the exceptions file (full output: ${dir}/${run.name})`).toEqual(
    [],
  );
}

const cellUrl = () => world.topology.cells.get('us-1')!.url;

describe('schemathesis against the served documents', () => {
  it('the cell, directly, as two tenants', async () => {
    await fuzz({
      name: 'cell-direct',
      schema: `${cellUrl()}/v1/openapi.json`,
      ...tenantAuth(),
      args: ['--exclude-path-regex', '^/internal/'],
    });
  }, 300_000);

  it("the cell through the edge, on tenant A's hostname, as two tenants", async () => {
    // Through the edge the document is the cell's own (fetched with a token: the edge routes by tenant).
    const headers = { authorization: `Bearer ${tokens.a}` };
    const viaEdge = await (await world.edge.fetch('/v1/openapi.json', { headers })).json();
    const direct = await (await fetch(`${cellUrl()}/v1/openapi.json`)).json();
    expect(viaEdge).toEqual(direct);
    const schema = join(dir, 'cell-openapi.json');
    writeFileSync(schema, JSON.stringify(viaEdge));
    await fuzz({
      name: 'cell-via-edge',
      schema,
      baseUrl: world.edge.url,
      ...tenantAuth(),
      // Tenant A's hostname: the public routes (login, refresh, invitations) are sent without a
      // token, and the hostname is what names their tenant (on the bare hostname the edge could
      // only answer 401). Tenant B's token there is refused (403 tenant_mismatch), as its peer reads must be.
      args: ['--exclude-path-regex', '^/internal/', '--header', `Host: fuzz-a.${world.edge.host}`],
    });
  }, 300_000);

  it("the cell's internal API, with the control plane's credential", async () => {
    const credential = world.topology.cells.get('us-1')!.env.INTERNAL_API_TOKEN!;
    await fuzz({
      name: 'cell-internal',
      schema: `${cellUrl()}/v1/openapi.json`,
      config: `[auth.openapi.internalAuth]\nbearer = "${credential}"\n`,
      args: ['--include-path-regex', '^/internal/'],
    });
  }, 300_000);

  it('the control plane, with ops, cell and edge credentials (last: it suspends and re-plans)', async () => {
    const { secrets } = world.topology;
    const credential = world.topology.cells.get('us-1')!.env.INTERNAL_API_TOKEN!;
    await fuzz({
      name: 'control-plane',
      schema: `${world.topology.controlPlane.url}/v1/openapi.json`,
      config: [
        '[auth.openapi.opsToken]',
        `bearer = "${secrets.opsToken}"`,
        '[auth.openapi.cellCredential]',
        `bearer = "${credential}"`,
        '[auth.openapi.edgeToken]',
        `bearer = "${secrets.edgeToken}"`,
        // The cell credential is us-1's: its cell-facing routes are fuzzed as us-1.
        '[parameters]',
        '"path.cellId" = "us-1"',
        '',
      ].join('\n'),
    });
  }, 300_000);
});
