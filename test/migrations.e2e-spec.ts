import { DataSource } from 'typeorm';
import { dataSourceOptions, loadConfig } from '#domain';
import { createTestDatabase, type DatabaseKind } from '#testing';

const TABLES = [
  'access_audit',
  'idempotency_keys',
  'notifications',
  'outbox',
  'patient_events',
  'patients',
  'site_amendment_approvals',
  'timers',
  'trials',
  'users',
  'webhook_deliveries',
  'webhooks',
];

describe.each<DatabaseKind>(['postgres', 'sqlite'])('migrations on %s', (kind) => {
  it('create every table, revert cleanly and apply again', async () => {
    const database = await createTestDatabase(kind);
    const dataSource = new DataSource({ ...dataSourceOptions(loadConfig(database.env)), migrationsRun: false });
    try {
      await dataSource.initialize();
      await dataSource.runMigrations();
      const tables = async () => {
        const runner = dataSource.createQueryRunner();
        try {
          return (await runner.getTables(TABLES)).map((t) => t.name.replace(/^public\./, '')).sort();
        } finally {
          await runner.release();
        }
      };
      expect(await tables()).toEqual(TABLES);
      for (let i = 0; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration();
      expect(await tables()).toEqual([]);
      await dataSource.runMigrations();
      expect(await tables()).toEqual(TABLES);
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await database.drop();
    }
  });
});
