import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { cellDatabaseAsAdmin, type LinkedCell, startLinkedCell } from './support/cells.ts';
import { apiClient, type CpDatabase, cpEnv, createControlPlaneDatabase } from './support/control-plane.ts';

/**
 * The control plane as a real process, killed with SIGKILL by its failpoint right after the
 * cell answered the provisioning call and before the job recorded it; restarted without it.
 */
let db: CpDatabase | undefined;
let child: ChildProcess | undefined;
let cell: LinkedCell | undefined;
const cellDb = cellDatabaseAsAdmin();
const stdout: string[] = [];

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await cell?.stop();
  await cellDb.end();
  await db?.drop();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startServer(port: number, extra: Record<string, string>): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['control-plane/src/server.ts'], {
    env: { ...process.env, ...cpEnv(db!, { PORT: String(port), LOG_LEVEL: 'debug', ...extra }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  proc.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk.toString('utf8')));
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`control plane exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return proc;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('control plane did not start');
}

const exited = (proc: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null)
      resolve({ code: proc.exitCode, signal: proc.signalCode });
    else proc.once('exit', (code, signal) => resolve({ code, signal }));
  });

describe('control plane crash mid-saga', () => {
  it('killed after the cell provisioned the tenant, restarted: the tenant ends active exactly once', async () => {
    db = await createControlPlaneDatabase();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const api = apiClient(url);
    child = await startServer(port, { CP_FAILPOINT: 'after-cell-provisioned' });
    cell = await startLinkedCell({ url, api }, 'eu-1', 'eu');
    await cell.heartbeat();

    const tag = randomBytes(4).toString('hex');
    const admin = {
      email: `crash.${tag}@pii-probe.example`,
      name: `Crash Admin ${tag}`,
      password: `pw-${tag}-long-enough`,
    };
    const slug = `crash-${tag}`;
    const tenantId = `ten_${slug}`;
    const dying = child;
    const post = api('POST', '/v1/admin/tenants', {
      slug,
      displayName: 'Crash Co',
      region: 'eu',
      plan: 'standard',
      admin,
    });
    await expect(post).rejects.toThrow(); // the connection dies with the process
    expect((await exited(dying)).signal).toBe('SIGKILL');

    // In between: the cell has the tenant; the control plane's record still says "placed".
    const cellRows = async () =>
      (await cellDb`select count(*)::int as n from tenants where id = ${tenantId}`)[0]!.n;
    expect(await cellRows()).toBe(1);

    child = await startServer(port, {});
    let shown: any;
    for (let i = 0; i < 100; i++) {
      shown = (await api('GET', `/v1/admin/tenants/${tenantId}`)).body;
      if (shown.tenant?.status === 'active') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(shown.tenant.status).toBe('active');
    expect(shown.job.history.map((h: any) => h.step)).toEqual([
      'recorded',
      'placed',
      'cell_provisioned',
      'active',
    ]);
    expect(shown.job.attempts).toBe(1); // the first call was never recorded; the resumed one was
    expect(await cellRows()).toBe(1);
    const users = await cellDb`select count(*)::int as n from users where tenant_id = ${tenantId}`;
    expect(users[0]!.n).toBe(1);

    const audit = await api('GET', `/v1/admin/audit?targetId=${tenantId}`);
    const actions = audit.body.entries.map((e: any) => e.action);
    expect(actions.filter((a: string) => a === 'tenants.activated')).toHaveLength(1);
    expect(actions.filter((a: string) => a === 'tenants.create')).toHaveLength(1);

    // The same request again (the operator retries after the crash) is idempotent.
    const retry = await api('POST', '/v1/admin/tenants', {
      slug,
      displayName: 'Crash Co',
      region: 'eu',
      plan: 'standard',
      admin,
    });
    expect(retry.status).toBe(200);
    expect(await cellRows()).toBe(1);

    // The admin logs in at the cell; the control plane's process logs never saw them.
    const login = await fetch(`${cell.baseUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId, email: admin.email, password: admin.password }),
    });
    expect(login.status).toBe(200);
    const logs = stdout.join('');
    expect(logs).toContain('tenant active');
    expect(logs).toContain('failpoint armed');
    for (const value of [admin.email, admin.name, admin.password, `crash.${tag}`])
      expect(logs).not.toContain(value);
    for (const line of logs.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });
});
