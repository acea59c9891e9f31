import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** The trial level: one row per protocol version (docs/design.md, section "The trial level"). */
export class Trials1764200000000 implements MigrationInterface {
  name = 'Trials1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'trials',
        columns: [
          { name: 'protocol_id', type: 'varchar', length: '60', isPrimary: true },
          { name: 'protocol_version', type: 'integer', isPrimary: true },
          { name: 'state', type: 'text' },
          { name: 'version', type: 'integer' },
          { name: 'updated_at', type: 'varchar', length: '30' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('trials');
  }
}
