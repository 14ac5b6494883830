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
 * workerd). The three runs on the cell's document go at once, each on its own tenants (the
 * edge's on eu-1, the direct ones on us-1), since a run mostly waits on the cell's answers; the
 * control plane's goes last, alone: it suspends tenants and edits plans and flags.
 *
 * Budget: every phase (examples, coverage, fuzzing, stateful); --max-examples 5 per operation
 * (QUIRE_FUZZ_MAX_EXAMPLES), which bounds fuzzing and stateful; the coverage phase is
 * deterministic and sends most of the requests (about 1,400 per cell run). A fixed seed
 * (QUIRE_FUZZ_SEED to explore others), one worker per run. About 3 minutes on 2 cores.
 */
const EXCEPTIONS = fileURLToPath(new URL('./schemathesis-exceptions.json', import.meta.url));
const budget = {
  maxExamples: Number(process.env.QUIRE_FUZZ_MAX_EXAMPLES ?? 5),
  seed: process.env.QUIRE_FUZZ_SEED ?? '20261205',
};

let world: World;
let exceptions: ExceptionsFile;
/** Admin tokens by tenant slug. */
const tokens = new Map<string, string>();
const dir = mkdtempSync(join(tmpdir(), 'quire-contract-'));
const results = new Map<string, FuzzResult>();

beforeAll(async () => {
  assertInstalled();
  exceptions = readExceptions(EXCEPTIONS);
  // Fuzzing sends far more than a standard plan's calls a minute: the limiter's 429 (declared on
  // every user route) would then answer before validation and hide what the run checks. The
  // limits themselves are tested in cell/test/rate-limit.
  world = await startWorld({
    name: 'contract',
    redisDbs: [14, 15],
    cellEnv: { RATE_LIMIT_ENABLED: 'false' },
  });
  const tenants = [
    { slug: 'fuzz-a', region: 'us' as const },
    { slug: 'fuzz-b', region: 'us' as const },
    { slug: 'fuzz-c', region: 'eu' as const },
    { slug: 'fuzz-d', region: 'eu' as const },
  ];
  for (const t of tenants) {
    const admin = await world.provision(t);
    await untilRouted(world, t.slug);
    tokens.set(t.slug, await world.login(t.slug, admin.email, admin.password));
  }
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
function peersAuth(first: string, second: string): Pick<FuzzRun, 'config' | 'files'> {
  const identity = (slug: string) => ({
    name: slug,
    fixedHeaders: [{ name: 'Authorization', value: `Bearer ${tokens.get(slug)}` }],
  });
  return {
    config: `[auth.wfc]\npath = "auth.json"\npeers = ["${first}", "${second}"]\n`,
    files: { 'auth.json': JSON.stringify({ auth: [identity(first), identity(second)] }) },
  };
}

/** Runs one document and says what it found that the exceptions file does not excuse (empty: a pass). */
async function fuzz(run: FuzzRun): Promise<string[]> {
  const result = await runSchemathesis(
    { ...run, args: [...(run.args ?? []), ...exclusionArgs(exceptions, run.name)] },
    budget,
    dir,
  );
  results.set(run.name, result);
  const { unexpected, unused } = judge(result.findings, exceptions);
  for (const e of unused.filter((u) => u.runs.includes(run.name)))
    console.log(`[${run.name}] exception not reached this run: ${e.operation} ${e.check}`);
  return unexpected.map(
    (f) => `[${run.name}] ${f.operation} — ${f.check} (${f.code} ${f.title}) at ${f.url}: ${f.message}`,
  );
}

const cellUrl = (id: string) => world.topology.cells.get(id)!.url;

describe('schemathesis against the served documents', () => {
  it("the cell's: directly as two tenants, through the edge as two others, and its internal API", async () => {
    // Through the edge the document is the cell's own (fetched with a token: the edge routes by tenant).
    const headers = { authorization: `Bearer ${tokens.get('fuzz-c')}` };
    const viaEdge = await (await world.edge.fetch('/v1/openapi.json', { headers })).json();
    expect(viaEdge).toEqual(await (await fetch(`${cellUrl('eu-1')}/v1/openapi.json`)).json());
    const schema = join(dir, 'cell-openapi.json');
    writeFileSync(schema, JSON.stringify(viaEdge));
    const credential = world.topology.cells.get('us-1')!.env.INTERNAL_API_TOKEN!;
    const found = await Promise.all([
      fuzz({
        name: 'cell-direct',
        schema: `${cellUrl('us-1')}/v1/openapi.json`,
        ...peersAuth('fuzz-a', 'fuzz-b'),
        args: ['--exclude-path-regex', '^/internal/'],
      }),
      fuzz({
        name: 'cell-via-edge',
        schema,
        baseUrl: world.edge.url,
        ...peersAuth('fuzz-c', 'fuzz-d'),
        // Tenant C's hostname: the public routes (login, refresh, invitations) are sent without a
        // token, and the hostname is what names their tenant (on the bare hostname the edge can
        // only answer 401). Tenant D's token there is refused (403 tenant_mismatch), as its peer reads must be.
        args: ['--exclude-path-regex', '^/internal/', '--header', `Host: fuzz-c.${world.edge.host}`],
      }),
      fuzz({
        name: 'cell-internal',
        schema: `${cellUrl('us-1')}/v1/openapi.json`,
        config: `[auth.openapi.internalAuth]\nbearer = "${credential}"\n`,
        args: ['--include-path-regex', '^/internal/'],
      }),
    ]);
    expect(found.flat(), `findings not in the exceptions file (full output: ${dir}/<run>)`).toEqual([]);
  }, 420_000);

  it('the control plane, with ops, cell and edge credentials (last: it suspends and re-plans)', async () => {
    const { secrets } = world.topology;
    const credential = world.topology.cells.get('us-1')!.env.INTERNAL_API_TOKEN!;
    const found = await fuzz({
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
    expect(found, `findings not in the exceptions file (full output: ${dir}/control-plane)`).toEqual([]);
  }, 300_000);
});
