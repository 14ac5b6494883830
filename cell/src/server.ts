import { createApp } from './app.ts';
import { createDeps } from './deps.ts';
import { parseEnv } from './env.ts';
import { serveCell } from './http/serve.ts';
import { ControlPlaneLink } from './modules/control-plane/link.ts';

const env = parseEnv();
const { deps, close } = await createDeps(env);
const app = createApp(deps);
const link = env.CONTROL_PLANE_URL
  ? new ControlPlaneLink(
      {
        controlPlaneUrl: env.CONTROL_PLANE_URL,
        credential: env.INTERNAL_API_TOKEN,
        region: env.CELL_REGION,
        baseUrl: env.CELL_BASE_URL ?? `http://${env.HOST}:${env.PORT}`,
        version: env.CELL_VERSION,
        capacity: env.CELL_CAPACITY,
        search: { engine: env.SEARCH_ENGINE, maxTenantDocuments: env.SEARCH_MAX_TENANT_DOCUMENTS },
        intervalMs: env.HEARTBEAT_SECONDS * 1000,
      },
      deps,
      deps.config,
    )
  : null;
const server = serveCell(app, { hostname: env.HOST, port: env.PORT }, (info) => {
  deps.log.info('cell listening', { port: info.port, host: env.HOST });
  if (link) link.start();
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    // Live sockets close first (they would hold the server open), then the server and the rest.
    void Promise.all(deps.cleanup.splice(0).map((step) => step().catch(() => {}))).then(() =>
      server.close(() => void (link?.stop() ?? Promise.resolve()).then(close).then(() => process.exit(0))),
    );
  });
}
