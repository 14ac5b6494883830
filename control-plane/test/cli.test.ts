import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LinkedCell, startLinkedCell } from './support/cells.ts';
import {
  BOOTSTRAP_TOKEN,
  startControlPlane,
  type TestControlPlane,
  uniqueSlug,
} from './support/control-plane.ts';

/** The CLI as a user runs it: a separate process against a running control plane. */
let cp: TestControlPlane;
let us1: LinkedCell;
let eu1: LinkedCell;
let salesOps: string;

beforeAll(async () => {
  cp = await startControlPlane();
  us1 = await startLinkedCell(cp, 'us-1', 'us');
  eu1 = await startLinkedCell(cp, 'eu-1', 'eu');
  await us1.heartbeat();
  await eu1.heartbeat();
  salesOps = (await cp.api('POST', '/v1/admin/ops-tokens', { label: 'cli desk', role: 'sales-ops' })).body
    .token;
});
afterAll(async () => {
  await us1?.stop();
  await eu1?.stop();
  await cp?.stop();
});

function quire(
  args: string[],
  o: { token?: string; url?: string; bin?: boolean; env?: Record<string, string> } = {},
) {
  const [cmd, argv] = o.bin
    ? ['control-plane/bin/quire', args]
    : [process.execPath, ['control-plane/src/cli/main.ts', ...args]];
  const proc = spawn(cmd, argv, {
    env: {
      PATH: process.env.PATH,
      QUIRE_CONTROL_PLANE_URL: o.url ?? cp.url,
      QUIRE_OPS_TOKEN: o.token ?? salesOps,
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

/** Column start offsets of a header line: the rows below must have their values start there. */
function columns(header: string): number[] {
  return [...header.matchAll(/(^|\s{2,})(\S)/g)].map((m) => m.index! + m[1]!.length);
}

describe('quire CLI', () => {
  const slug = uniqueSlug('cli');
  const second = uniqueSlug('cli');

  it('tenants create: provisions through the API and prints the invitation token', async () => {
    const res = await quire([
      'tenants',
      'create',
      '--slug',
      slug,
      '--name',
      'CLI Corp',
      '--region',
      'eu',
      '--plan',
      'standard',
      '--strict-residency',
      '--admin-email',
      'first.admin@cli-corp.example',
      '--admin-name',
      'First Admin',
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`tenant ten_${slug} created: active in cell eu-1`);
    expect(res.stdout).toMatch(/strict residency:\s+yes/);
    expect(res.stdout).toMatch(/invitation token \(give it to the first admin; shown once\): ten_\S+/);
    const again = await quire([
      'tenants',
      'create',
      '--slug',
      second,
      '--name',
      'CLI Two',
      '--region',
      'us',
      '--plan',
      'enterprise',
      '--admin-email',
      'second.admin@cli-two.example',
      '--admin-name',
      'Second Admin',
      '--admin-password',
      'a-long-initial-password',
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('invitation token');
  });

  it('tenants list: an aligned table', async () => {
    const res = await quire(['tenants', 'list']);
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+SLUG\s+NAME\s+STATUS\s+REGION\s+CELL\s+PLAN\s+TIER\s+RESIDENCY$/);
    const starts = columns(lines[0]!);
    const row = lines.find((l) => l.includes(`ten_${slug}`))!;
    expect(row).toBeDefined();
    const values = [`ten_${slug}`, slug, 'CLI Corp', 'active', 'eu', 'eu-1', 'standard', 'pooled', 'strict'];
    expect(values.map((v, i) => row.slice(starts[i]!, starts[i]! + v.length))).toEqual(values);
    const filtered = await quire(['tenants', 'list', '--region', 'us']);
    expect(filtered.stdout).toContain(second);
    expect(filtered.stdout).not.toContain(`ten_${slug}`);
  });

  it('tenants show, by slug or id', async () => {
    const res = await quire(['tenants', 'show', slug]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`id:\\s+ten_${slug}`));
    expect(res.stdout).toMatch(/status:\s+active/);
    expect(res.stdout).toMatch(/step:\s+active/);
    expect(res.stdout).toMatch(/apiCallsPerMinute\s+1000/);
    const byId = await quire(['tenants', 'show', `ten_${slug}`, '--json']);
    expect(JSON.parse(byId.stdout).tenant.slug).toBe(slug);
  });

  it('tenants suspend and resume', async () => {
    const s = await quire(['tenants', 'suspend', slug]);
    expect(s.code).toBe(0);
    expect(s.stdout).toBe(`tenant ten_${slug} suspended (cell eu-1 updated)\n`);
    const again = await quire(['tenants', 'suspend', slug]);
    expect(again.stdout).toContain('already suspended');
    const r = await quire(['tenants', 'resume', slug]);
    expect(r.stdout).toBe(`tenant ten_${slug} active (cell eu-1 updated)\n`);
  });

  it('tenants set-plan with overrides', async () => {
    const res = await quire([
      'tenants',
      'set-plan',
      slug,
      'professional',
      '--override',
      'users=250',
      '--override',
      'storageGb=unlimited',
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`tenant ten_${slug} on plan professional (cell eu-1 updated)`);
    expect(res.stdout).toMatch(/users\s+250/);
    expect(res.stdout).toMatch(/storageGb\s+unlimited/);
  });

  it('tenants flags: show, set, clear', async () => {
    await cp.api('PUT', '/v1/admin/flags/beta.editor', { default: false, plans: { professional: true } });
    const shown = await quire(['tenants', 'flags', slug]);
    expect(shown.stdout).toMatch(/^FLAG\s+VALUE\s+SOURCE\nbeta\.editor\s+true\s+plan\n$/);
    const set = await quire(['tenants', 'flags', slug, 'beta.editor=false']);
    expect(set.stdout).toMatch(/beta\.editor\s+false\s+tenant/);
    const cleared = await quire(['tenants', 'flags', slug, '--clear', 'beta.editor']);
    expect(cleared.stdout).toMatch(/beta\.editor\s+true\s+plan/);
  });

  it('cells list / drain / undrain / create for a platform admin', async () => {
    const list = await quire(['cells', 'list'], { token: BOOTSTRAP_TOKEN });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /^ID\s+REGION\s+STATUS\s+TENANTS\s+CAPACITY\s+SEARCH \(MAX DOCS\)\s+VERSION\s+BASE URL\s+LAST HEARTBEAT\n/,
    );
    expect(list.stdout).toMatch(
      /eu-1\s+eu\s+active\s+1\s+100\s+postgres unlimited\s+test\s+http:\/\/127\.0\.0\.1:\d+/,
    );
    const drained = await quire(['cells', 'drain', 'us-1'], { token: BOOTSTRAP_TOKEN });
    expect(drained.stdout).toBe('cell us-1: draining\n');
    const undrained = await quire(['cells', 'undrain', 'us-1'], { token: BOOTSTRAP_TOKEN });
    expect(undrained.stdout).toBe('cell us-1: active\n');
    const created = await quire(['cells', 'create', '--id', 'ap-1', '--region', 'ap', '--json'], {
      token: BOOTSTRAP_TOKEN,
    });
    const body = JSON.parse(created.stdout);
    expect(body.cell.status).toBe('pending');
    expect(body.credential).toMatch(/^qcc_/);
  });

  it('exit code 1 with the API error code: not found, forbidden, conflict', async () => {
    const missing = await quire(['tenants', 'show', 'no-such-tenant']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: not_found: tenant not found');
    const forbidden = await quire(['cells', 'list']);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('error: forbidden:');
    const conflict = await quire([
      'tenants',
      'create',
      '--slug',
      slug,
      '--name',
      'Someone Else',
      '--region',
      'eu',
      '--plan',
      'standard',
      '--admin-email',
      'x@else.example',
      '--admin-name',
      'X',
    ]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('error: conflict:');
    const invalid = await quire(['tenants', 'set-plan', slug, 'platinum']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('error: validation_failed');
    expect(invalid.stderr).toContain('plan:');
  });

  it('exit code 2 on usage errors', async () => {
    for (const args of [
      ['tenants', 'explode'],
      ['tenants', 'create', '--slug', 'x'],
      ['tenants', 'show'],
      ['tenants', 'list', '--bogus'],
      ['tenants', 'flags', slug, 'not-an-assignment'],
      [],
    ]) {
      const res = await quire(args);
      expect(res.code, args.join(' ')).toBe(args.length === 0 ? 0 : 2);
    }
    const noConfig = await quire(['tenants', 'list'], { url: '', token: '' });
    expect(noConfig.code).toBe(2);
  });

  it('exit code 3 when the control plane is unreachable', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const res = await quire(['tenants', 'list'], { url: `http://127.0.0.1:${port}` });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('control plane unreachable');
  });

  it('the bin/quire wrapper runs the same CLI (flags --url/--token work too)', async () => {
    const res = await quire(['--url', cp.url, '--token', salesOps, 'tenants', 'list', '--json'], {
      bin: true,
      url: 'http://127.0.0.1:1',
      token: 'ignored',
    });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).tenants.map((t: any) => t.slug)).toContain(slug);
  });
});
