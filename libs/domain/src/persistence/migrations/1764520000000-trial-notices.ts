import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

const patientId = (nullable: boolean) => new TableColumn({ name: 'patient_id', type: 'varchar', length: '36', isNullable: nullable });

/** A notice to the whole trial (a revised escalation decision) names no patient: an inbox row's patient may be null. */
export class TrialNotices1764520000000 implements MigrationInterface {
  name = 'TrialNotices1764520000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.changeColumn('notifications', 'patient_id', patientId(true));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DELETE FROM notifications WHERE patient_id IS NULL');
    await queryRunner.changeColumn('notifications', 'patient_id', patientId(false));
  }
}
