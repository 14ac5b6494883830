/**
 * Bounded tenant labels: a metric keeps its own count per tenant in the process, and a
 * scrape shows the top N tenants by that count under their id and everyone else summed as
 * `other`. The series set stays at N + 1 however many tenants a cell homes. A tenant entering
 * the top N moves its count out of `other`, which Prometheus reads as a counter reset there:
 * use rate() on the per-tenant series, and the unlabelled totals for cell-wide figures.
 */
export class TopTenants {
  private readonly counts = new Map<string, Map<string, number>>();
  readonly n: number;

  constructor(n: number) {
    this.n = n;
  }

  add(tenantId: string, labels: Record<string, string>, by = 1): void {
    const key = JSON.stringify(labels);
    let perTenant = this.counts.get(key);
    if (!perTenant) {
      perTenant = new Map();
      this.counts.set(key, perTenant);
    }
    perTenant.set(tenantId, (perTenant.get(tenantId) ?? 0) + by);
  }

  /** The rows a scrape shows: the top N tenants by total across label sets, then `other`. */
  rows(): { tenant: string; labels: Record<string, string>; value: number }[] {
    const totals = new Map<string, number>();
    for (const perTenant of this.counts.values())
      for (const [t, v] of perTenant) totals.set(t, (totals.get(t) ?? 0) + v);
    const top = new Set(
      [...totals]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, this.n)
        .map(([t]) => t),
    );
    const out: { tenant: string; labels: Record<string, string>; value: number }[] = [];
    for (const [key, perTenant] of this.counts) {
      const labels = JSON.parse(key) as Record<string, string>;
      let other = 0;
      for (const [t, v] of perTenant) {
        if (top.has(t)) out.push({ tenant: t, labels, value: v });
        else other += v;
      }
      if (other > 0) out.push({ tenant: 'other', labels, value: other });
    }
    return out;
  }
}
