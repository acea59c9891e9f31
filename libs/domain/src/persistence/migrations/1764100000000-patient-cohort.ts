import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** A patient registers into a cohort on trials that have them (the CD20/CD22 trial's B-ALL and B-NHL). */
export class PatientCohort1764100000000 implements MigrationInterface {
  name = 'PatientCohort1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('patients', new TableColumn({ name: 'cohort', type: 'varchar', length: '20', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('patients', 'cohort');
  }
}
