import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** Electronic signatures: a user's signing password (scrypt hash) and the signature sealed into a log entry. */
export class ElectronicSignatures1764400000000 implements MigrationInterface {
  name = 'ElectronicSignatures1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('users', new TableColumn({ name: 'signing_secret_hash', type: 'varchar', length: '200', isNullable: true }));
    await queryRunner.addColumn('patient_events', new TableColumn({ name: 'signature', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('patient_events', 'signature');
    await queryRunner.dropColumn('users', 'signing_secret_hash');
  }
}
