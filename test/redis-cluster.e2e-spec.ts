import { randomBytes } from 'node:crypto';
import IORedis, { Cluster } from 'ioredis';
import { ConfigurationError, loadConfig, queuesRedisAtStart } from '#domain';
import { startRedisCluster, type LocalRedisCluster } from './support/redis-cluster';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { settleDueTimers } from './support/timers';
import { TrialSite } from './support/trial-site';

/**
 * The queues on a Redis Cluster (README, "Configuration", REDIS_CLUSTER_NODES): a local cluster of
 * three masters started by the test; the engine's timers, outbox and webhooks run through it with a
 * hash-tagged prefix, each queue's keys in one hash slot; a prefix without the tag, and a cluster
 * that does not answer, stop the start with one sentence.
 */
describe('queues on a Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let t: TestApp;
  let client: Cluster;
  const prefix = `{e2e-cluster-${randomBytes(4).toString('hex')}}`;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    t = await startTestApp('postgres', { REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: prefix });
    client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
  }, 120_000);

  afterAll(async () => {
    await client?.quit();
    await t?.close();
    await cluster?.stop();
  });

  /** Every key under the prefix, from each master (SCAN is per node on a cluster). */
  async function clusterKeys(): Promise<string[]> {
    const keys: string[] = [];
    for (const node of client.nodes('master')) {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
    }
    return keys;
  }

  it('runs a patient to the close of the DLT window on timers queued on the cluster, all in one hash slot', async () => {
    const site = await TrialSite.open(t, 'site-a');
    const id = await site.infused();
    t.clock.advanceDays(29);
    await settleDueTimers(t);
    const log = await eventually(
      async () => {
        const entries = (await site.get(`/patients/${id}/events?limit=1000`)).body as Array<{ type: string; actor: string }>;
        return entries.some((e) => e.type === 'DLT_WINDOW_CLOSED') && entries;
      },
      20_000,
      'the DLT window to close',
    );
    expect(log.filter((e) => e.type === 'DLT_WINDOW_CLOSED')).toHaveLength(1);
    expect(log.find((e) => e.type === 'DLT_WINDOW_CLOSED')!.actor).toBe('system:scheduler');

    // The queues' keys are on the cluster, none on the single Redis, and all in the prefix's one slot.
    const keys = await clusterKeys();
    expect(keys.length).toBeGreaterThan(0);
    const slots = new Set(await Promise.all(keys.map(async (key) => client.cluster('KEYSLOT', key))));
    expect(slots.size).toBe(1);
    const single = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      expect(await single.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      await single.quit();
    }
  }, 120_000);

  it('refuses a prefix without a hash tag on a cluster, naming the fix', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: 'cart' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: 'cart' })).toThrow(/write it in braces, \{cart\}/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1', QUEUE_PREFIX: '{cart}' })).toThrow(/REDIS_CLUSTER_NODES must be a comma-separated list of host:port/);
  });

  it('stops the start with one sentence when the cluster does not answer', async () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:1', QUEUE_PREFIX: '{cart}' });
    await expect(queuesRedisAtStart(config, { privateAllowed: false })).rejects.toThrow(/Cannot use the Redis Cluster at 127\.0\.0\.1:1 .*check REDIS_CLUSTER_NODES/);
    const answering = loadConfig({ REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: '{cart}' });
    await expect(queuesRedisAtStart(answering, { privateAllowed: false })).resolves.toEqual({ url: answering.redisUrl });
  });
});
