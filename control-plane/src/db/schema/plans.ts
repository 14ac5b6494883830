import { jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.ts';

/** Plans and their limits (seeded from shared/src/plans.ts; platform admins may edit them). */
export const plans = pgTable('plans', {
  id: text('id').primaryKey(),
  limits: jsonb('limits').$type<Record<string, number | null>>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type FlagValue = boolean | number | string;

/** Feature flags: a default, then a value per plan, then a value per tenant (last wins). */
export const flagDefinitions = pgTable('flag_definitions', {
  key: text('key').primaryKey(),
  description: text('description').notNull().default(''),
  defaultValue: jsonb('default_value').$type<FlagValue>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const planFlags = pgTable(
  'plan_flags',
  {
    planId: text('plan_id')
      .notNull()
      .references(() => plans.id),
    flagKey: text('flag_key')
      .notNull()
      .references(() => flagDefinitions.key, { onDelete: 'cascade' }),
    value: jsonb('value').$type<FlagValue>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.planId, t.flagKey] })],
);

export const tenantFlags = pgTable(
  'tenant_flags',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    flagKey: text('flag_key')
      .notNull()
      .references(() => flagDefinitions.key, { onDelete: 'cascade' }),
    value: jsonb('value').$type<FlagValue>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.flagKey] })],
);
