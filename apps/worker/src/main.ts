import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger, LoggerModule } from 'nestjs-pino';
import { type AppConfig, ConfigurationError, DomainModule, loadConfig, queuesRedisAtStart } from '#domain';
import { WorkerModule } from './worker.module';

@Module({})
class WorkerRootModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerRootModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { level: config.logLevel } }), DomainModule.forRoot(config), WorkerModule],
    };
  }
}

async function main() {
  const config = loadConfig();
  if (config.database.type === 'sqlite') {
    console.warn('Warning: the SQLite file takes writes from one process only; run the worker inside the API (npm start) or use PostgreSQL.');
  }
  // The worker shares its Redis with the API processes: it never starts a private one.
  await queuesRedisAtStart(config, { privateAllowed: false });
  const app = await NestFactory.createApplicationContext(WorkerRootModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
