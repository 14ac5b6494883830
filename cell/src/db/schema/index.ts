export * from './audit.ts';
export * from './collaboration.ts';
export * from './documents.ts';
export * from './folders.ts';
export * from './identity.ts';
export * from './permissions.ts';
export * from './search.ts';
export * from './tenants.ts';
