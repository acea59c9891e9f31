import type { RedisOptions } from 'bullmq';
import { Cluster } from 'ioredis';

/** ioredis options from a `redis://[:password@]host:port[/db]` URL, as BullMQ wants them. */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/**
 * What the queues connect to: the Redis of REDIS_URL, or, with REDIS_CLUSTER_NODES, a Redis Cluster
 * found from those nodes, with REDIS_URL's user, password and TLS (its host, port and database are not
 * used: a cluster has database 0 only). BullMQ shares the cluster client and duplicates it for its
 * blocking reads; whoever makes it closes it (`closeRedisConnection`).
 */
export function redisConnection(config: { redisUrl: string; redisClusterNodes?: Array<{ host: string; port: number }> }): RedisOptions | Cluster {
  if (!config.redisClusterNodes) return redisOptions(config.redisUrl);
  const { host: _host, port: _port, db: _db, ...credentials } = redisOptions(config.redisUrl);
  return new Cluster(config.redisClusterNodes, { redisOptions: credentials, enableReadyCheck: true });
}

/** Closes a cluster client `redisConnection` made (options hold no connection of their own). */
export async function closeRedisConnection(connection: RedisOptions | Cluster): Promise<void> {
  if (connection instanceof Cluster) await connection.quit().catch(() => connection.disconnect());
}
