import type { Redis } from 'ioredis';
import { type Identifiers, mentions } from '../identifiers.ts';

/**
 * The cell's Redis: sessions' throttles, MFA and SSO round trips, presence members, caches and
 * queued jobs whose key or value names the person. Keys naming them are deleted; in shared
 * structures (a document's presence set, a job hash) only the members or fields naming them go.
 * Every key of the cell lives under `quire` (`quire:…`, the BullMQ prefix `quire:<cell>`, test
 * prefixes `quire-…`).
 */
const PATTERN = 'quire*';

async function* keys(redis: Redis): AsyncGenerator<string> {
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', PATTERN, 'COUNT', 1000);
    cursor = next;
    yield* batch;
  } while (cursor !== '0');
}

/** Finds (and with `erase`, removes) what names the person; returns how many traces were found. */
async function sweep(redis: Redis, ids: Identifiers, erase: boolean): Promise<number> {
  let found = 0;
  for await (const key of keys(redis)) {
    if (mentions(key, ids)) {
      found++;
      if (erase) await redis.del(key);
      continue;
    }
    const type = await redis.type(key);
    if (type === 'string') {
      const v = await redis.get(key);
      if (v !== null && mentions(v, ids)) {
        found++;
        if (erase) await redis.del(key);
      }
    } else if (type === 'hash') {
      const h = await redis.hgetall(key);
      const fields = Object.entries(h)
        .filter(([f, v]) => mentions(f, ids) || mentions(v, ids))
        .map(([f]) => f);
      found += fields.length;
      if (erase && fields.length) await redis.hdel(key, ...fields);
    } else if (type === 'set') {
      const members = (await redis.smembers(key)).filter((m) => mentions(m, ids));
      found += members.length;
      if (erase && members.length) await redis.srem(key, ...members);
    } else if (type === 'zset') {
      const members = (await redis.zrange(key, '0', '-1')).filter((m) => mentions(m, ids));
      found += members.length;
      if (erase && members.length) await redis.zrem(key, ...members);
    } else if (type === 'list') {
      const members = (await redis.lrange(key, 0, -1)).filter((m) => mentions(m, ids));
      found += members.length;
      if (erase) for (const m of new Set(members)) await redis.lrem(key, 0, m);
    }
  }
  return found;
}

export const redisStore = {
  name: 'redis' as const,
  erase: (redis: Redis, ids: Identifiers) => sweep(redis, ids, true),
  verify: async (redis: Redis, ids: Identifiers) => ({
    query: `SCAN MATCH ${PATTERN}: key names, string values, hash fields and values, set/zset/list members containing the user id or email (case-insensitive)`,
    count: await sweep(redis, ids, false),
  }),
};
