/**
 * Timestamps as the API shows them (ISO 8601, UTC). Raw statements (`tx.execute`) hand them back
 * as text, drizzle's query builder as Date: one instant, one shape, whichever road read it.
 */
export const instant = (v: Date | string): string => new Date(v).toISOString();

/** The same, for a column that may be null (released, resumed, completed, last run…). */
export const instantOrNull = (v: Date | string | null): string | null => (v === null ? null : instant(v));
