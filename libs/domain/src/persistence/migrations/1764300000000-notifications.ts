import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

const varchar = (name: string, length: number, nullable = false) => ({ name, type: 'varchar', length: String(length), isNullable: nullable });

/** The notification channels: the in-app inbox, webhooks and their deliveries. */
export class Notifications1764300000000 implements MigrationInterface {
  name = 'Notifications1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'notifications',
        columns: [
          { ...varchar('id', 150), isPrimary: true },
          varchar('outbox_id', 100),
          varchar('user_id', 36),
          varchar('patient_id', 36),
          varchar('kind', 40),
          { name: 'message', type: 'text' },
          { name: 'payload', type: 'text' },
          varchar('created_at', 30),
          varchar('read_at', 30, true),
        ],
        indices: [new TableIndex({ name: 'ix_notifications_user_read', columnNames: ['user_id', 'read_at'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhooks',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('url', 500),
          varchar('secret', 100),
          { name: 'site_ids', type: 'text' },
          { name: 'kinds', type: 'text' },
          varchar('created_at', 30),
          varchar('revoked_at', 30, true),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          { ...varchar('id', 150), isPrimary: true },
          varchar('outbox_id', 100),
          varchar('webhook_id', 36),
          varchar('status', 12),
          { name: 'attempts', type: 'integer' },
          { name: 'last_error', type: 'text', isNullable: true },
          varchar('created_at', 30),
          varchar('updated_at', 30),
          varchar('delivered_at', 30, true),
        ],
        indices: [new TableIndex({ name: 'ix_webhook_deliveries_status', columnNames: ['status'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['webhook_deliveries', 'webhooks', 'notifications']) await queryRunner.dropTable(table);
  }
}
