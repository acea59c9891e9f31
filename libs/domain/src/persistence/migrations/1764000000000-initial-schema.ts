import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

const varchar = (name: string, length: number, nullable = false) => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const integer = (name: string, nullable = false) => ({ name, type: 'integer', isNullable: nullable });
const text = (name: string, nullable = false) => ({ name, type: 'text', isNullable: nullable });

/** The engine's tables: users, patients (workflow rows), the event log, idempotency keys, timers, outbox. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('name', 200),
          varchar('role', 20),
          text('site_ids'),
          { ...varchar('token_hash', 64), isUnique: true },
          varchar('created_at', 30),
          varchar('revoked_at', 30, true),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'patients',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('subject_id', 60),
          varchar('site_id', 60),
          varchar('protocol_id', 60),
          integer('protocol_version'),
          varchar('state', 60),
          varchar('status', 20),
          text('snapshot'),
          integer('version'),
          integer('last_seq'),
          varchar('last_hash', 64),
          varchar('day0', 30, true),
          integer('dose_level', true),
          varchar('registered_at', 30),
          varchar('updated_at', 30),
        ],
        indices: [
          new TableIndex({ name: 'ux_patients_protocol_subject', columnNames: ['protocol_id', 'subject_id'], isUnique: true }),
          new TableIndex({ name: 'ix_patients_site', columnNames: ['site_id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'patient_events',
        columns: [
          { ...varchar('patient_id', 36), isPrimary: true },
          { ...integer('seq'), isPrimary: true },
          varchar('type', 40),
          text('data'),
          varchar('actor', 60),
          varchar('actor_name', 200),
          text('reason', true),
          varchar('occurred_at', 30),
          varchar('recorded_at', 30),
          varchar('idempotency_key', 200, true),
          varchar('prev_hash', 64),
          varchar('hash', 64),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          { ...varchar('patient_id', 36), isPrimary: true },
          { ...varchar('key', 200), isPrimary: true },
          varchar('request_hash', 64),
          text('response'),
          integer('seq'),
          varchar('created_at', 30),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'timers',
        columns: [
          { ...varchar('id', 200), isPrimary: true },
          varchar('patient_id', 36),
          varchar('send_id', 100),
          varchar('event_type', 40),
          text('event_data'),
          varchar('due_at', 30),
          varchar('status', 12),
          integer('created_seq'),
          integer('settled_seq', true),
          varchar('settled_at', 30, true),
        ],
        indices: [
          new TableIndex({ name: 'ix_timers_status_due', columnNames: ['status', 'due_at'] }),
          new TableIndex({ name: 'ix_timers_patient_status', columnNames: ['patient_id', 'status'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'outbox',
        columns: [
          { ...varchar('id', 100), isPrimary: true },
          varchar('patient_id', 36),
          integer('seq'),
          varchar('kind', 40),
          text('payload'),
          varchar('status', 12),
          integer('attempts'),
          varchar('created_at', 30),
          varchar('delivered_at', 30, true),
        ],
        indices: [new TableIndex({ name: 'ix_outbox_status_created', columnNames: ['status', 'created_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['outbox', 'timers', 'idempotency_keys', 'patient_events', 'patients', 'users']) {
      await queryRunner.dropTable(table);
    }
  }
}
