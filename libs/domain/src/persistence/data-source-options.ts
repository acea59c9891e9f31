import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** TypeORM options for the configured database; migrations run at start, never `synchronize`. */
export function dataSourceOptions(config: Pick<AppConfig, 'database' | 'dbPoolSize'>): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, migrationsRun: true, synchronize: false, logging: false } as const;
  if (config.database.type === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: config.database.url,
      poolSize: config.dbPoolSize,
      // A connection the server ends can emit 'error' after TypeORM has released it and dropped its
      // own listener; with no listener left that error would end the process. The query in flight
      // still fails (a 500, nothing written) and the pool discards the client; this only keeps the
      // process up. Given to every client the pool opens, before anyone uses it.
      extra: { onConnect: (client: { on(event: 'error', listener: () => void): unknown }) => void client.on('error', () => undefined) },
    };
  }
  if (config.database.path !== ':memory:') mkdirSync(dirname(config.database.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.database.path,
    enableWAL: true,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    },
  };
}
