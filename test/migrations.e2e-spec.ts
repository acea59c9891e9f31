import { DataSource } from 'typeorm';
import { dataSourceOptions, loadConfig } from '#domain';
import { createTestDatabase, type DatabaseKind } from '#testing';

const TABLES = [
  'access_audit',
  'deviation_facts',
  'idempotency_keys',
  'manufacturing_bookings',
  'manufacturing_site_trials',
  'manufacturing_sites',
  'notifications',
  'outbox',
  'outcome_facts',
  'patient_events',
  'patients',
  'site_amendment_approvals',
  'timers',
  'trials',
  'users',
  'webhook_deliveries',
  'webhooks',
];

/** A fresh database of its own, its migrations not run yet; dropped after `work`. */
async function withDatabase(kind: DatabaseKind, work: (dataSource: DataSource) => Promise<void>): Promise<void> {
  const database = await createTestDatabase(kind);
  const dataSource = new DataSource({ ...dataSourceOptions(loadConfig(database.env)), migrationsRun: false });
  try {
    await dataSource.initialize();
    await work(dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.drop();
  }
}

/** Rows into a table by column name, in plain SQL: the entities of today do not describe the tables of before. */
async function insert(dataSource: DataSource, table: string, rows: Array<Record<string, string | number>>): Promise<void> {
  const parameter = (n: number) => (dataSource.options.type === 'postgres' ? `$${n}` : '?');
  for (const row of rows) {
    const columns = Object.keys(row);
    await dataSource.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => parameter(i + 1)).join(', ')})`, Object.values(row));
  }
}

describe.each<DatabaseKind>(['postgres', 'sqlite'])('migrations on %s', (kind) => {
  it('create every table, revert cleanly and apply again', async () => {
    await withDatabase(kind, async (dataSource) => {
      await dataSource.runMigrations();
      const tables = async () => {
        const runner = dataSource.createQueryRunner();
        try {
          return (await runner.getTables(TABLES)).map((t) => t.name.replace(/^public\./, '')).sort();
        } finally {
          await runner.release();
        }
      };
      expect(await tables()).toEqual(TABLES);
      for (let i = 0; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration();
      expect(await tables()).toEqual([]);
      await dataSource.runMigrations();
      expect(await tables()).toEqual(TABLES);
    });
  });

  it('index the entries of amendments, and only those, for the patients an amendment moved (1764930000000)', async () => {
    await withDatabase(kind, async (dataSource) => {
      await dataSource.runMigrations();
      const definition = async () =>
        (kind === 'postgres'
          ? await dataSource.query("SELECT indexdef AS sql FROM pg_indexes WHERE indexname = 'ix_patient_events_migrated'")
          : await dataSource.query("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_patient_events_migrated'")) as Array<{ sql: string }>;
      expect((await definition()).map((d) => d.sql)).toEqual([expect.stringMatching(/\(patient_id\) WHERE .*type.* = 'PROTOCOL_MIGRATED'/)]);
      // The worklist's question, "has this patient such an entry", is answered from the index, not by reading the log.
      const question = "SELECT 1 FROM patient_events e WHERE e.patient_id = 'p-1' AND e.type = 'PROTOCOL_MIGRATED'";
      const plan =
        kind === 'postgres'
          ? await dataSource.transaction(async (m) => {
              await m.query('SET LOCAL enable_seqscan = off');
              return JSON.stringify(await m.query(`EXPLAIN ${question}`));
            })
          : JSON.stringify(await dataSource.query(`EXPLAIN QUERY PLAN ${question}`));
      expect(plan).toContain('ix_patient_events_migrated');
      // Undone with the migrations after it, newest first.
      const position = dataSource.migrations.findIndex((m) => m.name === 'AmendmentEntriesIndex1764930000000');
      for (let i = dataSource.migrations.length - 1; i >= position; i--) await dataSource.undoLastMigration();
      expect(await definition()).toEqual([]);
    });
  });

  describe('one trial across versions (1764530000000)', () => {
    const at = (day: number) => `2026-0${day < 10 ? 1 : 2}-${String((day % 28) + 1).padStart(2, '0')}T08:00:00.000Z`;
    const level = (enrolled: number, evaluable = 0, dlts = 0) => ({ enrolled, evaluable, dlts });
    const state = (over: Record<string, unknown>) => ({
      status: 'open',
      enrolled: 0,
      currentDoseLevel: 1,
      levels: {},
      decisions: [],
      mtd: null,
      lastInfusionAt: null,
      pending: [],
      evaluations: {},
      holds: [],
      locks: [],
      ...over,
    });
    const row = (protocolId: string, protocolVersion: number, version: number, over: Record<string, unknown> = {}) => ({
      protocol_id: protocolId,
      protocol_version: protocolVersion,
      state: JSON.stringify(state(over)),
      version,
      updated_at: at(version),
    });

    const MIGRATION = 'OneTrialAcrossVersions1764530000000';
    /** Undoes the migrations run last, down to and including this one; those after it are undone first, newest first. */
    const undoThroughThis = async (dataSource: DataSource) => {
      const position = dataSource.migrations.findIndex((m) => m.name === MIGRATION);
      expect(position).toBeGreaterThanOrEqual(0);
      for (let i = dataSource.migrations.length - 1; i >= position; i--) await dataSource.undoLastMigration();
      const run = (await dataSource.query('SELECT name FROM migrations')) as Array<{ name: string }>;
      expect(run.map((m) => m.name)).not.toContain(MIGRATION);
      expect(run).toHaveLength(position);
    };
    /** The database as the engine left it before the migration: every migration before this one, the rows given. */
    const before = async (dataSource: DataSource, rows: Array<ReturnType<typeof row>>) => {
      await dataSource.runMigrations();
      await undoThroughThis(dataSource);
      await insert(dataSource, 'trials', rows);
    };
    /** The trials rows as stored, numbers as numbers and the state parsed, whichever key the table has. */
    const trialRows = async (dataSource: DataSource): Promise<Array<{ protocol_id: string; protocol_version?: number; version: number; updated_at: string; state: unknown }>> =>
      ((await dataSource.query('SELECT * FROM trials')) as Array<Record<string, unknown>>).map((r) => ({
        protocol_id: String(r.protocol_id),
        ...(r.protocol_version === undefined ? {} : { protocol_version: Number(r.protocol_version) }),
        version: Number(r.version),
        updated_at: String(r.updated_at),
        state: JSON.parse(String(r.state)),
      }));

    it('merges the v1 and v2 rows of a trial without escalation into one, and keeps a row that alone moved', async () => {
      await withDatabase(kind, async (dataSource) => {
        await before(dataSource, [
          row('cd19-rr-all', 1, 4, {
            enrolled: 2,
            levels: { 1: level(2, 1, 0) },
            lastInfusionAt: at(3),
            pending: [{ patientId: 'p-1b', level: 1, closesAt: at(30) }],
            evaluations: { 'p-1a': { n: 1, level: 1, dlt: false } },
          }),
          row('cd19-rr-all', 2, 3, {
            enrolled: 1,
            levels: { 1: level(1, 1, 1) },
            lastInfusionAt: at(2),
            evaluations: { 'p-2a': { n: 1, level: 1, dlt: true } },
          }),
          row('NCT03754764', 1, 5, { enrolled: 3, levels: { 1: level(3) } }),
          row('cd20-cd22', 1, 1),
        ]);
        await dataSource.runMigrations();
        const merged = await trialRows(dataSource);
        expect(merged.map((r) => r.protocol_id).sort()).toEqual(['NCT03754764', 'cd19-rr-all', 'cd20-cd22']);
        const [cd19, cd20, nct] = ['cd19-rr-all', 'cd20-cd22', 'NCT03754764'].map((id) => merged.find((r) => r.protocol_id === id));
        expect(cd19).toEqual({
          protocol_id: 'cd19-rr-all',
          version: 5,
          updated_at: at(4),
          state: state({
            enrolled: 3,
            levels: { 1: level(3, 2, 1) },
            lastInfusionAt: at(3),
            pending: [{ patientId: 'p-1b', level: 1, closesAt: at(30) }],
            evaluations: { 'p-1a': { n: 1, level: 1, dlt: false }, 'p-2a': { n: 2, level: 1, dlt: true } },
          }),
        });
        expect(cd20).toMatchObject({ protocol_id: 'cd20-cd22', version: 1, state: state({}) });
        expect(nct).toMatchObject({ protocol_id: 'NCT03754764', version: 5, state: state({ enrolled: 3, levels: { 1: level(3) } }) });
        // One row per protocol from now on: a second row of a protocol is refused by the key.
        await expect(insert(dataSource, 'trials', [{ protocol_id: 'cd19-rr-all', state: '{}', version: 1, updated_at: at(1) }])).rejects.toThrow();
      });
    });

    it('refuses to merge the differing escalation ledgers of two versions, naming the trial, and changes nothing', async () => {
      await withDatabase(kind, async (dataSource) => {
        const rows = [
          row('NCT03754764', 1, 7, { enrolled: 3, levels: { 1: level(3, 3, 0) }, decisions: [{ action: 'escalate', fromLevel: 1, toLevel: 2 }], currentDoseLevel: 2 }),
          row('NCT03754764', 2, 2, { enrolled: 1, levels: { 1: level(1) } }),
          row('cd19-rr-all', 1, 2, { enrolled: 1, levels: { 1: level(1) } }),
        ];
        await before(dataSource, rows);
        await expect(dataSource.runMigrations()).rejects.toThrow(
          /^The trial of NCT03754764 runs a dose escalation and its versions v1, v2 have different trial states: the migration to one trial across versions will not merge escalation ledgers/,
        );
        // Still the table of before, every row as it was.
        const left = await trialRows(dataSource);
        expect(left.map((r) => [r.protocol_id, r.protocol_version, r.version]).sort()).toEqual([
          ['NCT03754764', 1, 7],
          ['NCT03754764', 2, 2],
          ['cd19-rr-all', 1, 2],
        ]);
        expect((await dataSource.query('SELECT name FROM migrations')).map((m: { name: string }) => m.name)).not.toContain(MIGRATION);
      });
    });

    it('goes back down: the one row on the newest version with patients, keyed by version again', async () => {
      await withDatabase(kind, async (dataSource) => {
        await before(dataSource, [row('cd19-rr-all', 1, 3, { enrolled: 1, levels: { 1: level(1) } }), row('cd19-rr-all', 2, 1)]);
        await dataSource.runMigrations();
        const patient = (id: string, version: number) => ({
          id,
          subject_id: id,
          site_id: 'site-a',
          protocol_id: 'cd19-rr-all',
          protocol_version: version,
          state: 'screening',
          status: 'active',
          snapshot: '{}',
          version: 1,
          last_seq: 1,
          last_hash: '0'.repeat(64),
          registered_at: at(1),
          updated_at: at(1),
        });
        await insert(dataSource, 'patients', [patient('p-1', 1), patient('p-2', 2)]);
        await undoThroughThis(dataSource);
        const [back] = await trialRows(dataSource);
        expect(back).toMatchObject({ protocol_id: 'cd19-rr-all', protocol_version: 2, version: 3, state: state({ enrolled: 1, levels: { 1: level(1) } }) });
        await dataSource.runMigrations();
        expect((await trialRows(dataSource)).map((r) => [r.protocol_id, r.version])).toEqual([['cd19-rr-all', 3]]);
      });
    });
  });
});
