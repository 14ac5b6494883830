import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { createDeps } from './deps.ts';
import { parseEnv } from './env.ts';

const env = parseEnv();
const { deps, close } = await createDeps(env);
const app = createApp(deps);
const server = serve({ fetch: app.fetch, hostname: env.HOST, port: env.PORT }, (info) => {
  deps.log.info('cell listening', { port: info.port, host: env.HOST });
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close(() => void close().then(() => process.exit(0)));
  });
}
