import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The patients an amendment moved, found without reading the log (the worklist's re-consent list):
 * a partial index of the `PROTOCOL_MIGRATED` entries only. Without it, "has this patient such an
 * entry" read every entry of the table, one million at 2,000 patients through 24 months (issue 20).
 * Other entries are not in the index, so an append costs one comparison more. Same SQL on SQLite and
 * PostgreSQL.
 */
export class AmendmentEntriesIndex1764930000000 implements MigrationInterface {
  name = 'AmendmentEntriesIndex1764930000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX ix_patient_events_migrated ON patient_events (patient_id) WHERE type = 'PROTOCOL_MIGRATED'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX ix_patient_events_migrated');
  }
}
