import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

const varchar = (name: string, length: number, nullable = false) => ({ name, type: 'varchar', length: String(length), isNullable: nullable });

/**
 * Manufacturing capacity (README, "Manufacturing capacity"; ADR 0019): the manufacturing sites, the
 * trial each makes product for (one site per trial: the protocol id is the key), and the patients'
 * bookings of weekly slots. At most one booking of a patient is pending (booked or queued): a partial
 * unique index, which PostgreSQL and SQLite both build; consumed and cancelled ones are history.
 */
export class ManufacturingCapacity1764720000000 implements MigrationInterface {
  name = 'ManufacturingCapacity1764720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'manufacturing_sites',
        columns: [
          { ...varchar('id', 60), isPrimary: true },
          varchar('name', 200),
          { name: 'slots_per_week', type: 'integer' },
          { name: 'release_days', type: 'integer' },
          { name: 'horizon_weeks', type: 'integer' },
          varchar('created_at', 30),
          varchar('updated_at', 30),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'manufacturing_site_trials',
        columns: [{ ...varchar('protocol_id', 60), isPrimary: true }, varchar('manufacturing_site_id', 60)],
        indices: [new TableIndex({ name: 'ix_manufacturing_site_trials_site', columnNames: ['manufacturing_site_id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'manufacturing_bookings',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('patient_id', 36),
          varchar('manufacturing_site_id', 60),
          varchar('week', 8, true),
          varchar('status', 12),
          varchar('queued_at', 30, true),
          { name: 'cancel_reason', type: 'text', isNullable: true },
          varchar('created_at', 30),
          varchar('updated_at', 30),
        ],
        indices: [
          new TableIndex({ name: 'ix_manufacturing_bookings_site_week', columnNames: ['manufacturing_site_id', 'week', 'status'] }),
          new TableIndex({ name: 'ix_manufacturing_bookings_patient', columnNames: ['patient_id'] }),
          new TableIndex({ name: 'ux_manufacturing_bookings_pending', columnNames: ['patient_id'], isUnique: true, where: "status IN ('booked', 'queued')" }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('manufacturing_bookings');
    await queryRunner.dropTable('manufacturing_site_trials');
    await queryRunner.dropTable('manufacturing_sites');
  }
}
