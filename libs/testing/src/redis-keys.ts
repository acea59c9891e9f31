import type IORedis from 'ioredis';

/**
 * The Redis keys of one deployment's queue prefix (`QUEUE_PREFIX`), for the tests, the benchmark
 * and the simulator: each runs an engine on a prefix of its own and removes it at the end.
 */

/** Every key under `prefix` (SCAN, never KEYS, which blocks the server). */
export async function keysUnder(redis: IORedis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** Deletes every key under `prefix`, in batches of 500; returns how many there were. */
export async function deleteKeysUnder(redis: IORedis, prefix: string): Promise<number> {
  const keys = await keysUnder(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  return keys.length;
}
