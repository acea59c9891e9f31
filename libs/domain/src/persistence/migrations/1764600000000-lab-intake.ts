import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

const varchar = (name: string, length: number, nullable = false) => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const text = (name: string, nullable = false) => ({ name, type: 'text', isNullable: nullable });
const integer = (name: string, nullable = false) => ({ name, type: 'integer', isNullable: nullable });

/**
 * Lab results in (docs/adr/0014-lab-results-in.md): every message as received with its outcome, the
 * results by control id (the integration inbox among them), and the site's mappings of its own lab
 * codes and patient identifiers.
 */
export class LabIntake1764600000000 implements MigrationInterface {
  name = 'LabIntake1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'lab_messages',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('channel', 20),
          varchar('site_id', 60, true),
          varchar('control_id', 200, true),
          varchar('received_at', 30),
          varchar('received_by', 60),
          integer('size_bytes'),
          varchar('sha256', 64),
          text('raw_base64'),
          integer('raw_truncated'),
          varchar('acknowledgement', 10),
          varchar('outcome', 20),
          text('reason', true),
          text('results'),
        ],
        indices: [new TableIndex({ name: 'ix_lab_messages_site', columnNames: ['site_id', 'received_at'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'lab_results',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('message_id', 36),
          varchar('site_id', 60),
          varchar('control_id', 250),
          varchar('outcome', 20),
          varchar('inbox_status', 20, true),
          text('reason', true),
          text('patient_identifiers'),
          varchar('code_system', 100),
          varchar('code', 100),
          varchar('code_text', 200, true),
          varchar('value_text', 100),
          varchar('unit', 100),
          varchar('collected_text', 40),
          varchar('result_status', 20),
          varchar('patient_id', 36, true),
          varchar('lab_code', 40, true),
          varchar('collected_at', 30, true),
          integer('seq', true),
          integer('corrects_seq', true),
          varchar('received_at', 30),
          varchar('resolved_by', 60, true),
          varchar('resolved_at', 30, true),
          text('resolution', true),
        ],
        indices: [
          new TableIndex({ name: 'ux_lab_results_control', columnNames: ['site_id', 'control_id'], isUnique: true }),
          new TableIndex({ name: 'ix_lab_results_inbox', columnNames: ['site_id', 'inbox_status'] }),
          new TableIndex({ name: 'ix_lab_results_patient', columnNames: ['patient_id', 'lab_code', 'collected_at'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'lab_code_mappings',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('site_id', 60),
          varchar('code_system', 100),
          varchar('code', 100),
          varchar('lab_code', 40),
          varchar('created_by', 60),
          varchar('created_at', 30),
        ],
        indices: [new TableIndex({ name: 'ux_lab_code_mappings', columnNames: ['site_id', 'code_system', 'code'], isUnique: true })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'lab_patient_identifiers',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('site_id', 60),
          varchar('identifier', 200),
          varchar('patient_id', 36),
          varchar('created_by', 60),
          varchar('created_at', 30),
        ],
        indices: [new TableIndex({ name: 'ux_lab_patient_identifiers', columnNames: ['site_id', 'identifier'], isUnique: true })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['lab_patient_identifiers', 'lab_code_mappings', 'lab_results', 'lab_messages']) await queryRunner.dropTable(table);
  }
}
