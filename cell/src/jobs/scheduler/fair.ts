/**
 * Weighted fair choice of the next tenant to serve a job for (DESIGN.md "Jobs and
 * fairness"): smooth weighted round-robin, as nginx balances upstreams. Each pick adds every
 * tenant's weight to its credit, takes the tenant with the most credit, and charges it the
 * sum of all weights. Over any window, backlogged tenants get batches in proportion to their
 * plan's jobWeight, interleaved rather than in runs, and a tenant with one row waits at most
 * one round however deep another tenant's backlog is.
 */
export class FairScheduler {
  private readonly entries = new Map<string, { weight: number; credit: number }>();

  /** Adds a tenant (or updates its weight); weights below 1 count as 1. */
  set(tenantId: string, weight: number): void {
    const w = Math.max(1, Math.floor(Number.isFinite(weight) ? weight : 1));
    const entry = this.entries.get(tenantId);
    if (entry) entry.weight = w;
    else this.entries.set(tenantId, { weight: w, credit: 0 });
  }

  remove(tenantId: string): void {
    this.entries.delete(tenantId);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The next tenant, preferring those not in `busy` (being indexed by another lane); a busy
   * tenant is returned only when every tenant is busy. Undefined when there is none.
   */
  next(busy: ReadonlySet<string> = new Set()): string | undefined {
    if (this.entries.size === 0) return undefined;
    const idle = [...this.entries].filter(([id]) => !busy.has(id));
    const candidates = idle.length > 0 ? idle : [...this.entries];
    let total = 0;
    let best: [string, { weight: number; credit: number }] | undefined;
    for (const [id, e] of candidates) {
      e.credit += e.weight;
      total += e.weight;
      if (!best || e.credit > best[1].credit) best = [id, e];
    }
    best![1].credit -= total;
    return best![0];
  }
}
