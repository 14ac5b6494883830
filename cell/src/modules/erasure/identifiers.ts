/** What identifies the person being erased: every store is cleaned of and queried for these. */
export type Identifiers = {
  userId: string;
  email: string;
  name: string;
};

/** The identifiers as search needles (lower case; a name shorter than 3 characters is not searched for). */
export function needles(ids: Identifiers): string[] {
  return [ids.userId, ids.email, ids.name]
    .map((s) => s.trim().toLowerCase())
    .filter((s, i) => s.length >= (i === 2 ? 3 : 1));
}

export function mentions(value: string, ids: Identifiers): boolean {
  const v = value.toLowerCase();
  return needles(ids).some((n) => v.includes(n));
}
