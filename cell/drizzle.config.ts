import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config cell/drizzle.config.ts` diffs the schema into a new migration.
export default defineConfig({
  dialect: 'postgresql',
  schema: './cell/src/db/schema/index.ts',
  out: './cell/src/db/migrations',
});
