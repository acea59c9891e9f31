import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/** The outcomes' read model, one row per patient (ADR 0021). Derived from the log: dropping it loses nothing. */
export class OutcomeFacts1764900000000 implements MigrationInterface {
  name = 'OutcomeFacts1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'outcome_facts',
        columns: [
          { name: 'patient_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'protocol_id', type: 'varchar', length: '60' },
          { name: 'seq', type: 'integer' },
          { name: 'rules_key', type: 'varchar', length: '64' },
          { name: 'cohort', type: 'varchar', length: '60', isNullable: true },
          { name: 'through', type: 'varchar', length: '40', isNullable: true },
          { name: 'fold', type: 'text' },
          { name: 'reading', type: 'text' },
        ],
        indices: [new TableIndex({ name: 'ix_outcome_facts_protocol', columnNames: ['protocol_id'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('outcome_facts');
  }
}
