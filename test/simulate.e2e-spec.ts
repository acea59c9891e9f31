import IORedis from 'ioredis';
import type { Io } from '../simulator/progress';
import { runSimulation, type SimulationResult } from '../simulator/simulation';
import { createTestDatabase, keysUnder } from '#testing';

const FINAL_STATES = ['completed', 'died', 'withdrawn', 'lostToFollowUp', 'screenFailed', 'manufacturingFailed'];

/**
 * The simulator's smoke run (`npm run simulate`, small and fast): a dose-finding trial driven through
 * the HTTP API of an engine in this process on PostgreSQL, on a clock at 40 study days per second.
 */
describe('npm run simulate, smoke size', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let result: SimulationResult;
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (text) => void out.push(text), err: (text) => void err.push(text), tty: false };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    result = await runSimulation(
      { trial: 'NCT03754764', patients: 9, seed: 7, daysPerSecond: 40, port: 0, databaseUrl: database.env.DATABASE_URL, serve: true, hl7: false, quiet: false, help: false },
      io,
    );
  }, 90_000);

  afterAll(async () => {
    await result?.served?.engine.stop();
    await database?.drop();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer of the API, whose shape each test asserts field by field
  const api = async (path: string): Promise<any> => {
    const { engine } = result.served!;
    const res = await fetch(`${engine.url}${path}`, { headers: { authorization: `Bearer ${engine.adminToken}` } });
    expect(res.status).toBe(200);
    return res.json();
  };

  it('finishes without an answer it did not expect (no 5xx), and says so', () => {
    expect(result.report!.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(out.join('')).toContain('errors: none');
    expect(result.report!.eventsPosted).toBeGreaterThan(100);
  });

  it('leaves every patient in a final state the lifecycle has, off study', async () => {
    const patients = await api('/patients?protocolId=NCT03754764&limit=500');
    expect(patients.total).toBe(9);
    for (const p of patients.items) {
      expect(FINAL_STATES).toContain(p.state);
      expect(p.status).toBe('offStudy');
    }
    expect(Object.values(result.report!.finalStates).reduce((a, b) => a + b, 0)).toBe(9);
    expect(result.report!.finalStates).toEqual(
      patients.items.reduce((byState: Record<string, number>, p: { state: string }) => ({ ...byState, [p.state]: (byState[p.state] ?? 0) + 1 }), {}),
    );
  });

  it("prints and returns the trial's dose-escalation decisions as the engine recorded them", async () => {
    const trial = await api('/trials/NCT03754764');
    expect(trial.decisions.length).toBeGreaterThan(0);
    expect(result.report!.trial.decisions).toEqual(trial.decisions);
    expect(result.report!.trial.levels).toEqual(trial.levels);
    const printed = out.join('');
    for (const decision of trial.decisions) expect(printed).toContain(decision.reason);
    expect(err.join('')).toMatch(/dose escalation: \d of \d patients at level 1/);
  });

  it('reports outcomes: response, survival, safety and CAR-T kinetics', () => {
    const { outcomes } = result.report!;
    expect(outcomes.participants).toBe(9);
    expect(outcomes.infused).toBeGreaterThan(2);
    expect(outcomes.response.orr.n).toBe(outcomes.infused);
    expect(outcomes.survival.os.n).toBe(outcomes.infused);
    expect(outcomes.safety.adverseEventsByTerm.length).toBeGreaterThan(0);
    expect(outcomes.kinetics.summary.map((k: { compartment: string }) => k.compartment)).toEqual(expect.arrayContaining(['PB', 'BM', 'LN']));
    expect(out.join('')).toMatch(/ORR\s+\d+ of \d+/);
    // Vein to vein: every infused patient was apheresed and released first; the lines are printed.
    const v2v = outcomes.veinToVein;
    expect(v2v.infused).toBe(outcomes.infused);
    expect(v2v.released).toBeGreaterThanOrEqual(v2v.infused);
    expect(v2v.apheresisToInfusion.n).toBe(v2v.infused);
    // Every patient is off study at the end: each apheresed one was infused or is counted among those never infused.
    expect(v2v).toMatchObject({ inManufacturing: 0, awaitingInfusion: 0 });
    expect(v2v.apheresed).toBe(v2v.infused + v2v.notInfused.patients);
    expect(out.join('')).toMatch(new RegExp(`Vein to vein \\(whole calendar days\\), of ${v2v.apheresed} apheresed:\\n  apheresis → release +median`));
    expect(result.report!.audit).toMatchObject({ ok: true, patientsChecked: 9 });
  });

  it('leaves nothing in Redis under its prefix once stopped', async () => {
    const { engine } = result.served!;
    const redis = new IORedis(engine.config.redisUrl);
    try {
      // The engine's queues live under its prefix while it runs: the check below is not of an empty prefix.
      expect((await keysUnder(redis, engine.config.queuePrefix)).length).toBeGreaterThan(0);
      await engine.stop();
      expect(await keysUnder(redis, engine.config.queuePrefix)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
