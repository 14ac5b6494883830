/** What identifies the person being erased: every store is cleaned of and queried for these. */
export type Identifiers = {
  userId: string;
  email: string;
  name: string;
};

/**
 * The identifiers only this person has (lower case): their id and email. A name is not one:
 * another person may bear it, so names are looked for only where people write about each
 * other (free text: comments, notification data, alert details, hold history, audit details).
 */
export function strongNeedles(ids: Identifiers): string[] {
  return [ids.userId, ids.email].map((s) => s.trim().toLowerCase()).filter(Boolean);
}

/** All three, for free text (a name shorter than 3 characters is not searched for). */
export function needles(ids: Identifiers): string[] {
  const name = ids.name.trim().toLowerCase();
  return [...strongNeedles(ids), ...(name.length >= 3 ? [name] : [])];
}

/** Whether a key or value names the person by id or email. */
export function mentions(value: string, ids: Identifiers): boolean {
  const v = value.toLowerCase();
  return strongNeedles(ids).some((n) => v.includes(n));
}
