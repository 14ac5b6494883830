import { z } from 'zod';

/** The plan table from the design. The control plane owns it; cells keep the last known copy. */
export interface PlanLimits {
  apiCallsPerMinute: number;
  searchCallsPerMinute: number;
  storageGb: number;
  documents: number;
  /** null = unlimited */
  users: number | null;
  concurrentUploads: number;
  maxFileSizeMb: number;
  searchTimeoutSeconds: number;
  exportDocsPerHour: number;
  jobWeight: number;
}

export const PLAN_IDS = ['standard', 'professional', 'enterprise'] as const;
export type PlanId = (typeof PLAN_IDS)[number];

export const PLANS: Record<PlanId, PlanLimits> = {
  standard: {
    apiCallsPerMinute: 1_000,
    searchCallsPerMinute: 100,
    storageGb: 100,
    documents: 100_000,
    users: 100,
    concurrentUploads: 5,
    maxFileSizeMb: 50,
    searchTimeoutSeconds: 10,
    exportDocsPerHour: 10_000,
    jobWeight: 1,
  },
  professional: {
    apiCallsPerMinute: 10_000,
    searchCallsPerMinute: 1_000,
    storageGb: 1_000,
    documents: 1_000_000,
    users: 1_000,
    concurrentUploads: 20,
    maxFileSizeMb: 200,
    searchTimeoutSeconds: 30,
    exportDocsPerHour: 100_000,
    jobWeight: 3,
  },
  enterprise: {
    apiCallsPerMinute: 100_000,
    searchCallsPerMinute: 10_000,
    storageGb: 10_000,
    documents: 100_000_000,
    users: null,
    concurrentUploads: 100,
    maxFileSizeMb: 500,
    searchTimeoutSeconds: 60,
    exportDocsPerHour: 1_000_000,
    jobWeight: 10,
  },
};

/** Every limit a plan sets, in the table's order: the keys a plan edit or a per-tenant override may use. */
export const PLAN_LIMIT_KEYS = Object.keys(PLANS.standard) as (keyof PlanLimits)[];

export const ISOLATION_TIERS = ['pooled', 'schema', 'database', 'dedicated'] as const;
export type IsolationTier = (typeof ISOLATION_TIERS)[number];

/**
 * One limit as ops write it: a non-negative integer JavaScript holds exactly (the document
 * states both bounds, so a larger number is not "valid" there and refused here).
 */
export const planLimitSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
