import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config control-plane/drizzle.config.ts` diffs the schema into a new migration.
export default defineConfig({
  dialect: 'postgresql',
  schema: './control-plane/src/db/schema/index.ts',
  out: './control-plane/src/db/migrations',
});
