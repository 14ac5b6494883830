import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/test/**/*.test.ts'],
    // The Chromium journeys run on their own after the rest: vitest.web.config.ts (npm run test:web).
    exclude: ['**/node_modules/**', '.local/**', 'test/web/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel forks, each against the shared real servers.
    pool: 'forks',
    maxWorkers: 2,
  },
});
