import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/**
 * How each log entry is sealed (hash-chain.ts, SEAL_VERSIONS). The entries already written were
 * sealed the version 1 way and keep it; the engine writes version 2 from now on, which also seals
 * the idempotency key.
 */
export class SealVersion1764510000000 implements MigrationInterface {
  name = 'SealVersion1764510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('patient_events', new TableColumn({ name: 'seal_version', type: 'integer', isNullable: false, default: 1 }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('patient_events', 'seal_version');
  }
}
