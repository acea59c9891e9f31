import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { mergeTrialRows, splitTrialRows, type TrialRow, type VersionTrialRow } from './1764530000000-merge-trial-rows';

const trialsTable = (keyedByVersion: boolean) =>
  new Table({
    name: 'trials',
    columns: [
      { name: 'protocol_id', type: 'varchar', length: '60', isPrimary: true },
      ...(keyedByVersion ? [{ name: 'protocol_version', type: 'integer', isPrimary: true }] : []),
      { name: 'state', type: 'text' },
      { name: 'version', type: 'integer' },
      { name: 'updated_at', type: 'varchar', length: '30' },
    ],
  });

/**
 * One trial across a protocol's versions (ADR 0011): the `trials` table is keyed by the protocol
 * alone, so the patients of every version count in one trial row. The rows of several versions are
 * merged by the frozen rules of `1764530000000-merge-trial-rows.ts`, computed before anything is
 * changed: an escalation trial whose versions moved apart stops the migration, naming the trial.
 */
export class OneTrialAcrossVersions1764530000000 implements MigrationInterface {
  name = 'OneTrialAcrossVersions1764530000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const stored: Array<Record<string, unknown>> = await queryRunner.query('SELECT protocol_id, protocol_version, state, version, updated_at FROM trials');
    const merged = mergeTrialRows(
      stored.map((r) => ({
        protocolId: String(r.protocol_id),
        protocolVersion: Number(r.protocol_version),
        state: String(r.state),
        version: Number(r.version),
        updatedAt: String(r.updated_at),
      })),
    );
    await queryRunner.dropTable('trials');
    await queryRunner.createTable(trialsTable(false));
    await insertRows(queryRunner, merged);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const stored: Array<Record<string, unknown>> = await queryRunner.query('SELECT protocol_id, state, version, updated_at FROM trials');
    const newest: Array<Record<string, unknown>> = await queryRunner.query('SELECT protocol_id, MAX(protocol_version) AS newest FROM patients GROUP BY protocol_id');
    const rows = splitTrialRows(
      stored.map((r) => ({ protocolId: String(r.protocol_id), state: String(r.state), version: Number(r.version), updatedAt: String(r.updated_at) })),
      new Map(newest.map((r) => [String(r.protocol_id), Number(r.newest)])),
    );
    await queryRunner.dropTable('trials');
    await queryRunner.createTable(trialsTable(true));
    await insertRows(queryRunner, rows);
  }
}

/**
 * Plain SQL with parameters: a query builder would map the columns through today's TrialEntity, which
 * a migration must not depend on. PostgreSQL numbers its parameters, SQLite takes `?`.
 */
async function insertRows(queryRunner: QueryRunner, rows: Array<TrialRow | VersionTrialRow>): Promise<void> {
  const parameter = (n: number) => (queryRunner.connection.options.type === 'postgres' ? `$${n}` : '?');
  for (const row of rows) {
    const values: Record<string, string | number> = {
      protocol_id: row.protocolId,
      ...('protocolVersion' in row ? { protocol_version: row.protocolVersion } : {}),
      state: row.state,
      version: row.version,
      updated_at: row.updatedAt,
    };
    const columns = Object.keys(values);
    await queryRunner.query(`INSERT INTO trials (${columns.join(', ')}) VALUES (${columns.map((_, i) => parameter(i + 1)).join(', ')})`, Object.values(values));
  }
}
