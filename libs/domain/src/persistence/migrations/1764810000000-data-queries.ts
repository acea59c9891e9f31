import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

const varchar = (name: string, length: number, nullable = false) => ({ name, type: 'varchar', length: String(length), isNullable: nullable });

/** Data queries (README, "Data queries"): a question on one log entry or field, and its exchange. */
export class DataQueries1764810000000 implements MigrationInterface {
  name = 'DataQueries1764810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'data_queries',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('patient_id', 36),
          varchar('site_id', 60),
          varchar('subject_id', 60),
          varchar('protocol_id', 60),
          { name: 'seq', type: 'integer' },
          varchar('field', 200, true),
          varchar('status', 10),
          varchar('raised_by', 60),
          varchar('raised_at', 30),
          varchar('updated_at', 30),
          varchar('closed_at', 30, true),
        ],
        indices: [
          new TableIndex({ name: 'ix_data_queries_site_status', columnNames: ['site_id', 'status'] }),
          new TableIndex({ name: 'ix_data_queries_patient', columnNames: ['patient_id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'data_query_messages',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('query_id', 36),
          varchar('kind', 12),
          { name: 'text', type: 'text', isNullable: true },
          { name: 'correction_seq', type: 'integer', isNullable: true },
          varchar('author_id', 60),
          varchar('author_name', 200),
          varchar('author_role', 20),
          varchar('at', 30),
        ],
        indices: [new TableIndex({ name: 'ix_data_query_messages_query', columnNames: ['query_id', 'at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('data_query_messages');
    await queryRunner.dropTable('data_queries');
  }
}
