import type { Redis } from 'ioredis';
import { newTenantSecret } from '../../../auth/tenant-secrets.ts';
import type { AuthMethod } from '../../../db/schema/index.ts';
import { type LoginKind, sha256 } from '../session-store.ts';

/**
 * A first factor passed, the second one still owed: kept in the cell's Redis for five minutes
 * under the hash of an opaque token (`<tenantId>.<random>`) handed to the client. No session
 * and no access token exists until the second factor is verified; the challenge dies after
 * five wrong codes, and is consumed once (DEL), so two requests racing with one code cannot
 * both get a session.
 */
export const CHALLENGE_TTL_SECONDS = 300;
const MAX_ATTEMPTS = 5;

export interface Challenge {
  tenantId: string;
  userId: string;
  kind: LoginKind;
  authMethod: AuthMethod;
  amr: string[];
  connectionId: string | null;
  /** The user has no confirmed factor yet and must enrol one to finish this login. */
  enrollment: boolean;
  /** Session lifetime for this login (break-glass logins are short). */
  ttlMs: number;
}

const key = (token: string) => `quire:mfa-challenge:${sha256(token)}`;
const attemptsKey = (token: string) => `quire:mfa-challenge-fails:${sha256(token)}`;

export async function createChallenge(redis: Redis, c: Challenge): Promise<string> {
  const token = newTenantSecret(c.tenantId);
  await redis.set(key(token), JSON.stringify(c), 'EX', CHALLENGE_TTL_SECONDS);
  return token;
}

export async function readChallenge(redis: Redis, token: string): Promise<Challenge | null> {
  const raw = await redis.get(key(token));
  return raw ? (JSON.parse(raw) as Challenge) : null;
}

/** A wrong code: the fifth kills the challenge (the user logs in again). */
export async function failChallenge(redis: Redis, token: string): Promise<void> {
  const [[, fails]] = (await redis
    .multi()
    .incr(attemptsKey(token))
    .expire(attemptsKey(token), CHALLENGE_TTL_SECONDS)
    .exec()) as [[null, number], unknown];
  if (fails >= MAX_ATTEMPTS) await redis.del(key(token), attemptsKey(token));
}

/** True for exactly one caller: the one whose DEL removed the challenge. */
export async function consumeChallenge(redis: Redis, token: string): Promise<boolean> {
  const removed = await redis.del(key(token));
  await redis.del(attemptsKey(token));
  return removed === 1;
}
