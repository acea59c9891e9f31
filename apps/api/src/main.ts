import 'reflect-metadata';
import { ConfigurationError, loadConfig } from '#domain';
import { createApp } from './bootstrap';

async function main() {
  const config = loadConfig();
  const withWorker = process.argv.includes('--with-worker');
  if (!withWorker && config.database.type === 'sqlite') {
    console.warn('Warning: the SQLite file takes writes from one process only; run the API with the worker (npm start) or use PostgreSQL.');
  }
  const app = await createApp(config, { withWorker });
  // Every interface, as a plain Node server would (Fastify's own default is the loopback only).
  await app.listen(config.port, '0.0.0.0');
  const where = config.database.type === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL';
  console.log(`CAR-T trial engine listening on http://localhost:${config.port} (${where}${withWorker ? ', with worker' : ''}); API docs at /docs`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
