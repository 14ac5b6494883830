import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { startBackground } from './background.ts';
import { createDeps } from './deps.ts';
import { parseEnv } from './env.ts';

const env = parseEnv();
const { deps, close } = createDeps(env);
const app = createApp(deps, { adminUiDir: env.ADMIN_UI_DIR });
const server = serve({ fetch: app.fetch, hostname: env.HOST, port: env.PORT }, (info) => {
  deps.log.info('control plane listening', { port: info.port, host: env.HOST });
});
const background = await startBackground(deps, {
  sweepIntervalMs: (env.SWEEP_INTERVAL_SECONDS ?? Math.min(5, env.HEARTBEAT_TIMEOUT_SECONDS / 3)) * 1000,
  resumeIntervalMs: env.RESUME_INTERVAL_SECONDS * 1000,
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    deps.log.info('shutting down', { signal });
    // Stop taking requests, let the loops finish their tick, then close the pools.
    server.close(() => {
      void background
        .stop()
        .then(close)
        .then(() => process.exit(0));
    });
  });
}
