import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import IORedis from 'ioredis';
import { loadConfig, Reconciler, type AppConfig } from '#domain';
import { createApp } from '../../apps/api/src/bootstrap';
import { createTestDatabase, type DatabaseKind, deleteKeysUnder } from '#testing';
import { TestClock } from './test-clock';

export { eventually } from '#testing';

export interface TestApp {
  app: NestFastifyApplication;
  http: ReturnType<typeof request>;
  config: AppConfig;
  clock: TestClock;
  adminToken: string;
  redis: IORedis;
  /** Deletes every Redis key of this app's queues: what a Redis restart does to a deployment. */
  wipeRedis(): Promise<number>;
  reconcile(): ReturnType<Reconciler['run']>;
  close(): Promise<void>;
}

/**
 * The real API and worker in one process, on a database of their own and a Redis key prefix of
 * their own, so test files run side by side and twice without meeting.
 */
export async function startTestApp(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase(kind);
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  // The checkpoint key and file live in DATA_DIR: a directory of this app's own (SQLite's brings one).
  const dataDir = database.env.DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'cart-e2e-data-'));
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `e2e-${randomBytes(5).toString('hex')}`,
    ADMIN_TOKEN: adminToken,
    RECONCILE_EVERY_MS: '600000',
    // Checkpoints only when a test asks for them (POST /audit/checkpoints, or its own CHECKPOINT_EVERY_MS).
    CHECKPOINT_EVERY_MS: '0',
    ...(dataDir ? { DATA_DIR: dataDir } : {}),
    ...database.env,
    ...env,
  });
  const clock = new TestClock();
  const app = await createApp(config, { withWorker: true, clock });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const redis = new IORedis(config.redisUrl, { maxRetriesPerRequest: null });

  const wipeRedis = () => deleteKeysUnder(redis, config.queuePrefix);

  return {
    app,
    http: request(app.getHttpServer()),
    config,
    clock,
    adminToken,
    redis,
    wipeRedis,
    reconcile: () => app.get(Reconciler).run(),
    close: async () => {
      await app.close();
      await wipeRedis();
      await redis.quit();
      await database.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
