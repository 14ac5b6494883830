/**
 * Compares two strings in time that depends only on their length, so a caller probing a
 * secret (a bearer token, an HMAC) learns nothing from how fast a wrong guess is refused.
 * Pure JavaScript on purpose: the edge (workerd) has no `node:crypto.timingSafeEqual`, and
 * one comparison for every runtime keeps the rule in one place. Strings of different
 * lengths are unequal at once: only the length leaks, and secrets here have fixed lengths.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
