import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/**
 * Patients by site and subject id: how a lab message names its patient (README, "Lab systems: HL7 v2
 * and FHIR in"). The protocol-and-subject key does not serve it, and the site index alone reads every
 * patient of the site for each result.
 */
export class PatientsBySiteSubject1764610000000 implements MigrationInterface {
  name = 'PatientsBySiteSubject1764610000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex('patients', new TableIndex({ name: 'ix_patients_site_subject', columnNames: ['site_id', 'subject_id'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('patients', 'ix_patients_site_subject');
  }
}
