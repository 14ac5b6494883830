import { defineConfig } from 'vitest/config';

/**
 * The web app's journeys in Chromium (test/web/): run after the rest of the suite, on their own
 * (`npm run test:web`), so a topology and a browser never compete for the two cores with the
 * suite's other servers. One file, one topology, one build.
 */
export default defineConfig({
  test: {
    include: ['test/web/**/*.test.ts'],
    exclude: ['**/node_modules/**', '.local/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
