import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import IORedis from 'ioredis';
import { type AppConfig, loadConfig } from '#domain';
import { createApp } from '../apps/api/src/bootstrap';
import { deleteKeysUnder } from '#testing';

export interface EngineOptions {
  /** The instant the scaled clock starts from (ms since the epoch). */
  origin: number;
  /** Simulated ms per real ms (TIME_SCALE). */
  scale: number;
  port: number;
  databaseUrl?: string;
  /** Keep the SQLite file here; a temporary directory (deleted at the end) when neither this nor a database URL is given. */
  dataDir?: string;
  /** With --hl7: the port of the MLLP listener, taking results for `hl7Sites`. */
  hl7Port?: number;
  hl7Sites?: string[];
}

/** The API and the worker running in this process, on a Redis key prefix of their own. */
export interface Engine {
  url: string;
  adminToken: string;
  config: AppConfig;
  /** Where the data lives, in words ("a temporary SQLite file", "PostgreSQL"). */
  storage: string;
  /** Closes the app, deletes its Redis keys and the temporary directory; returns the number of keys deleted. */
  stop(): Promise<number>;
}

/**
 * Starts the engine as `npm start` does (API and worker in one process) with the scaled clock, no
 * rate limit, silent logs and a reconciler that runs every second, so a timer is never left behind.
 */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  // A DATA_DIR even on PostgreSQL: the checkpoint key and file of this run stay out of ./data.
  const tempDir = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'cart-sim-'));
  const dataDir = options.dataDir ? resolve(options.dataDir) : tempDir;
  if (options.dataDir) mkdirSync(dataDir!, { recursive: true });
  const adminToken = `sim-admin-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    PORT: String(options.port),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    DATA_DIR: dataDir,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `sim-${randomBytes(5).toString('hex')}`,
    ADMIN_TOKEN: adminToken,
    TIME_SCALE: String(options.scale),
    CLOCK_ORIGIN: new Date(options.origin).toISOString(),
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    RECONCILE_EVERY_MS: '1000',
    ...(options.hl7Port === undefined ? {} : { HL7_MLLP_PORT: String(options.hl7Port), HL7_MLLP_SITES: (options.hl7Sites ?? []).join(',') }),
  });
  const removeTemp = () => tempDir && rmSync(tempDir, { recursive: true, force: true });
  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp(config, { withWorker: true });
    await app.listen(options.port);
  } catch (error) {
    removeTemp();
    await deleteKeys(config).catch(() => 0);
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  const storage = options.databaseUrl ? 'PostgreSQL' : options.dataDir ? `SQLite in ${dataDir}` : 'a temporary SQLite file';
  let stopped: Promise<number> | undefined;
  return {
    url: `http://localhost:${port}`,
    adminToken,
    config,
    storage,
    stop: () =>
      (stopped ??= (async () => {
        try {
          await app.close();
        } finally {
          removeTemp();
        }
        return deleteKeys(config);
      })()),
  };
}

/** Deletes every Redis key under the engine's queue prefix. */
async function deleteKeys(config: Pick<AppConfig, 'redisUrl' | 'queuePrefix'>): Promise<number> {
  const redis = new IORedis(config.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true });
  try {
    await redis.connect();
    return await deleteKeysUnder(redis, config.queuePrefix);
  } finally {
    redis.disconnect();
  }
}
