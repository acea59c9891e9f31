import { DataSource } from 'typeorm';
import type { Io } from '../simulator/progress';
import { runSimulation, type SimulationResult } from '../simulator/simulation';
import { createTestDatabase } from '#testing';

/**
 * `npm run simulate -- --hl7`: a whole trial's blood results go through the engine's MLLP listener as
 * ORU^R01 messages (LOINC-coded where LOINC has a code, the site's mapped codes otherwise), on
 * PostgreSQL; none is lost or recorded twice.
 */
describe('npm run simulate --hl7', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let result: SimulationResult;
  const out: string[] = [];
  const io: Io = { out: (text) => void out.push(text), err: () => undefined, tty: false };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    result = await runSimulation(
      { trial: 'cd19-rr-all', patients: 6, seed: 11, daysPerSecond: 40, port: 0, databaseUrl: database.env.DATABASE_URL, serve: true, hl7: true, quiet: true, help: false },
      io,
    );
  }, 180_000);

  afterAll(async () => {
    await result?.served?.engine.stop();
    await database?.drop();
  });

  it('sends every blood result as an ORU^R01 over MLLP and records each exactly once', async () => {
    const hl7 = result.report!.hl7!;
    expect(result.report!.errors).toEqual([]);
    expect(hl7.messages).toBeGreaterThan(20);
    expect(hl7.refused).toBe(0);
    // Every message is kept with its outcome; every accepted one is one LAB_RESULT_RECORDED of the lab user, no more.
    const db = new DataSource({ type: 'postgres', url: database.env.DATABASE_URL });
    await db.initialize();
    try {
      const [{ n: kept }] = await db.query(`SELECT COUNT(*)::int AS n FROM lab_messages WHERE channel = 'hl7-mllp'`);
      expect(kept).toBe(hl7.messages);
      const [{ n: recorded, keys }] = await db.query(
        `SELECT COUNT(*)::int AS n, COUNT(DISTINCT idempotency_key)::int AS keys FROM patient_events WHERE type = 'LAB_RESULT_RECORDED' AND idempotency_key LIKE 'lab:%'`,
      );
      expect(recorded).toBe(hl7.accepted);
      expect(keys).toBe(recorded);
    } finally {
      await db.destroy();
    }
    const printed = out.join('');
    expect(printed).toContain(`Lab messages (HL7 v2 ORU^R01 over MLLP, port ${hl7.port}): ${hl7.messages}`);
    expect(printed).toContain(`AA recorded ${hl7.accepted}`);
  });
});
