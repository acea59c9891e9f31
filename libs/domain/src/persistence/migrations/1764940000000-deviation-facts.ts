import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/** The protocol deviations' read model, one row per patient (ADR 0024). Derived from the log: dropping it loses nothing. */
export class DeviationFacts1764940000000 implements MigrationInterface {
  name = 'DeviationFacts1764940000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'deviation_facts',
        columns: [
          { name: 'patient_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'protocol_id', type: 'varchar', length: '60' },
          { name: 'protocol_version', type: 'integer' },
          { name: 'seq', type: 'integer' },
          { name: 'rules_key', type: 'varchar', length: '64' },
          { name: 'cohort', type: 'varchar', length: '60', isNullable: true },
          { name: 'fold', type: 'text' },
          { name: 'reading', type: 'text' },
        ],
        indices: [new TableIndex({ name: 'ix_deviation_facts_protocol', columnNames: ['protocol_id'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('deviation_facts');
  }
}
