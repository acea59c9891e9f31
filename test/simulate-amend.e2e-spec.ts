import type { Io } from '../simulator/progress';
import { runSimulation, type SimulationResult } from '../simulator/simulation';
import { createTestDatabase } from '#testing';

/** `npm run simulate -- --amend-at`: cd19-rr-all v3 reaches the patients on study mid-run, on PostgreSQL. */
describe('npm run simulate --amend-at', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let result: SimulationResult;
  const out: string[] = [];
  const io: Io = { out: (text) => void out.push(text), err: () => undefined, tty: false };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    result = await runSimulation(
      {
        trial: 'cd19-rr-all',
        patients: 8,
        seed: 3,
        daysPerSecond: 40,
        amendAt: 60,
        port: 0,
        databaseUrl: database.env.DATABASE_URL,
        serve: false,
        hl7: false,
        quiet: true,
        help: false,
      },
      io,
    );
  }, 120_000);

  afterAll(async () => {
    await database?.drop();
  });

  it('migrates patients at the approved sites, re-consents them first, and reports it without an unexpected answer', () => {
    const amendment = result.report!.amendment!;
    expect(result.report!.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(amendment).toMatchObject({ protocol: 'cd19-rr-all', toVersion: 3, studyDay: 60 });
    expect(amendment.migrated).toBeGreaterThan(0);
    expect(amendment.reconsent.signed + amendment.reconsent.declined).toBe(amendment.migrated);
    expect(amendment.sites[0].approvedOn).not.toBeNull();
    // No step the re-consent blocks was refused: the simulator re-consents first.
    expect(Object.keys(result.report!.refusals).filter((k) => /re-?consent/i.test(k))).toEqual([]);
    const printed = out.join('');
    expect(printed).toContain('Amendment: cd19-rr-all v3 on study day 60');
    expect(printed).toMatch(/patients migrated [1-9]/);
  });

  it('rolls every patient who completed the trial over into long-term follow-up', () => {
    const completed = result.report!.finalStates.completed ?? 0;
    expect(completed).toBeGreaterThan(0);
    expect(result.report!.amendment!.rollovers).toBe(completed);
    expect(out.join('')).toContain(`rollovers into long-term follow-up: ${completed}`);
  });
});
