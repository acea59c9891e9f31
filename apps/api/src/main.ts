import 'reflect-metadata';
import { ConfigurationError, loadConfig, queuesRedisAtStart } from '#domain';
import { createApp } from './bootstrap';

async function main() {
  const config = loadConfig();
  const withWorker = process.argv.includes('--with-worker');
  if (!withWorker && config.database.type === 'sqlite') {
    console.warn('Warning: the SQLite file takes writes from one process only; run the API with the worker (npm start) or use PostgreSQL.');
  }
  // One process with its worker and no REDIS_URL (npm start on a fresh machine) may run on a private
  // redis-server; otherwise a Redis that does not answer stops the start with one sentence.
  const redis = await queuesRedisAtStart(config, { privateAllowed: withWorker && !process.env.REDIS_URL && !config.redisClusterNodes });
  const app = await createApp({ ...config, redisUrl: redis.url }, { withWorker });
  // Every interface, as a plain Node server would (Fastify's own default is the loopback only).
  await app.listen(config.port, '0.0.0.0');
  const where = config.database.type === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL';
  console.log(`CAR-T trial engine listening on http://localhost:${config.port} (${where}${withWorker ? ', with worker' : ''}); API docs at /docs`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
