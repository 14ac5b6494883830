export * from './cells.ts';
export * from './domains.ts';
export * from './ops.ts';
export * from './plans.ts';
export * from './tenants.ts';
export * from './usage.ts';
