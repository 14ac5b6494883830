import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSmtpSink } from './smtp-sink.ts';
import { portIsFree, startTopology, waitFor } from './topology.ts';

/**
 * `npm start`: the control plane, cells us-1 and eu-1, and the edge under wrangler dev on
 * one port, then demo tenants (one US, one EU with strict residency) provisioned through
 * the control plane's admin API. Ctrl-C stops everything; data stays in .local/.
 */
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const localDir = process.env.QUIRE_LOCAL_DIR ?? join(root, '.local');
const stack = JSON.parse(readFileSync(join(localDir, 'stack.json'), 'utf8')) as Record<string, string>;
/**
 * First port of this checkout's fallback block, as infra/local/ports.sh derives it from the
 * data folder (offsets 0..3 are the stack's servers, 4..7 these processes), so a checkout
 * that has to sidestep gets the same ports on every start.
 */
const fallbackBase = (() => {
  const key = createHash('sha256').update(realpathSync(localDir)).digest('hex');
  return 15000 + (Number.parseInt(key.slice(0, 8), 16) % 1500) * 10;
})();

/**
 * A port set in the environment is used as given; otherwise the documented default, unless
 * something already listens there (typically `npm start` of another checkout): then the first
 * free port of this checkout's fallback block, said aloud, so a second checkout starts without
 * hand-set ports.
 */
const port = async (name: string, preferred: number, offset: number): Promise<number> => {
  const set = process.env[name];
  if (set !== undefined) {
    const n = Number(set);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}=${set} is not a port number`);
    return n;
  }
  if (await portIsFree(preferred)) return preferred;
  for (let i = 0; i < 150; i++) {
    const candidate = 15000 + ((fallbackBase - 15000 + i * 10) % 15000) + offset;
    if (await portIsFree(candidate)) {
      console.error(
        `port ${preferred} is taken (another checkout's npm start?): using ${candidate}; set ${name} to choose`,
      );
      return candidate;
    }
  }
  throw new Error(`port ${preferred} is taken and this checkout's fallback block is full: set ${name}`);
};
const edgePort = await port('QUIRE_EDGE_PORT', 8787, 4);
const host = process.env.QUIRE_HOST ?? 'quire.localhost';

// Notification mails go to a local sink (nothing leaves the machine): one .eml file per mail.
const mailDir = join(localDir, 'mail');
const sink = await startSmtpSink({ port: await port('QUIRE_SMTP_PORT', 2525, 8), dir: mailDir });

const topology = await startTopology({
  dir: join(localDir, 'topology'),
  pgAdminUrl: stack.QUIRE_PG_ADMIN_URL!,
  redisUrl: stack.QUIRE_REDIS_URL!,
  // Overridable so a second copy can run beside another on the same servers.
  dbPrefix: process.env.QUIRE_DB_PREFIX ?? 'quire',
  controlPlanePort: await port('QUIRE_CONTROL_PLANE_PORT', 8070, 5),
  cells: [
    {
      id: 'us-1',
      region: 'us',
      redisDb: Number(process.env.QUIRE_US1_REDIS_DB ?? 1),
      port: await port('QUIRE_US1_PORT', 8081, 6),
    },
    {
      id: 'eu-1',
      region: 'eu',
      redisDb: Number(process.env.QUIRE_EU1_REDIS_DB ?? 2),
      port: await port('QUIRE_EU1_PORT', 8082, 7),
    },
  ],
  heartbeatSeconds: 5,
  requireEdge: false,
  echo: true,
  cellEnv: {
    SMTP_URL: sink.url,
    SMTP_FROM: `Quire <no-reply@${process.env.QUIRE_HOST ?? 'quire.localhost'}>`,
  },
  // The sales-ops admin page (built by run.sh: npm run build:web) on the control plane's origin.
  controlPlaneEnv: { ADMIN_UI_DIR: join(root, 'web/dist/ops') },
});

const hosts = JSON.stringify({ [host]: 'global', [`us.${host}`]: 'us', [`eu.${host}`]: 'eu' });
const vars: Record<string, string> = {
  CONTROL_PLANE_URL: topology.controlPlane.url,
  EDGE_TOKEN: topology.secrets.edgeToken,
  EDGE_ASSERTION_SECRET: topology.secrets.assertionSecret,
  HOSTS: hosts,
  ROUTE_REFRESH_SECONDS: '5',
};
const edge = spawn(
  join(root, 'node_modules/.bin/wrangler'),
  [
    'dev',
    '--local',
    '--port',
    String(edgePort),
    '--ip',
    '127.0.0.1',
    '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ],
  {
    cwd: join(root, 'edge'),
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);
const shutdown = async () => {
  edge.kill('SIGTERM');
  await topology.close();
  await sink.close();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
edge.once('exit', (code) => {
  console.error(`wrangler dev exited (${code})`);
  void shutdown();
});

const edgeUrl = `http://127.0.0.1:${edgePort}`;
await waitFor(async () => (await fetch(`${edgeUrl}/healthz`)).ok, 'the edge', 60_000);

const demos = [
  { slug: 'demo-us', region: 'us', strictResidency: false },
  { slug: 'demo-eu', region: 'eu', strictResidency: true },
] as const;
for (const d of demos) {
  const res = await topology.admin('POST', '/v1/admin/tenants', {
    slug: d.slug,
    displayName: `Demo ${d.region.toUpperCase()}`,
    region: d.region,
    // The local cells run the embedded default, Postgres search, which serves standard-plan tenants
    // (larger plans need a cell whose engine serves their documents quota: see README).
    plan: 'standard',
    strictResidency: d.strictResidency,
    admin: { email: `admin@${d.slug}.example`, name: 'Demo Admin', password: 'demo-password-123' },
  });
  if (res.status >= 300) console.error(`demo tenant ${d.slug}: ${res.status} ${JSON.stringify(res.body)}`);
}

const app = `http://${host}:${edgePort}`;
console.log(`
Quire is up on one hostname (the edge in workerd via wrangler dev, serving the web app and the API):

  Web app          ${app}
                   US demo: ${`http://demo-us.${host}:${edgePort}`}
                   EU demo: ${`http://demo-eu.eu.${host}:${edgePort}`}  (strict residency: the EU hostname;
                            demo-eu.${host} and the organisation field on ${host} redirect there)
  Demo users       US: admin@demo-us.example / demo-password-123
                   EU: admin@demo-eu.example / demo-password-123
  Sales-ops page   ${topology.controlPlane.url}/admin/
                   ops token: ${topology.secrets.opsToken}

  control plane API ${topology.controlPlane.url}   cell us-1 ${topology.cells.get('us-1')!.url}   cell eu-1 ${topology.cells.get('eu-1')!.url}

The API through the edge, e.g.:
  curl -s -X POST http://demo-us.${host}:${edgePort}/v1/auth/login -H 'content-type: application/json' \\
    -d '{"email":"admin@demo-us.example","password":"demo-password-123"}'
  curl -s -X POST http://demo-eu.eu.${host}:${edgePort}/v1/auth/login -H 'content-type: application/json' \\
    -d '{"email":"admin@demo-eu.example","password":"demo-password-123"}'
Every response names the cell that answered in x-quire-cell. Notification mails (for users who
turn them on in /v1/notifications/preferences) land in ${mailDir} (SMTP sink on ${sink.url}).
Sales-ops CLI:
  QUIRE_CONTROL_PLANE_URL=${topology.controlPlane.url} QUIRE_OPS_TOKEN=${topology.secrets.opsToken} npm run quire -- tenants list
Ctrl-C stops everything; \`bash infra/local/stack.sh down\` stops the servers.
`);
