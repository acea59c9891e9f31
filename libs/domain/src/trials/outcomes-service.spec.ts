import type { DataSource } from 'typeorm';
import { addDays } from '#protocols';
import type { Clock } from '../kernel/clock';
import type { Actor } from '../kernel/actor';
import { PatientEntity, PatientEventEntity } from '../persistence/entities';
import { PatientRepository } from '../persistence/repositories/patient-repository';
import { ANOTHER_SITES_WORDS, OutcomesService } from './outcomes-service';
import type { OutcomeFacts } from './outcome-facts';

const DAY0 = '2026-03-16T10:00:00.000Z';
const on = (day: number) => addDays(DAY0, day);

type Row = { id: string; cohort: null; siteId: string; subjectId: string };
type Entry = { patientId: string; seq: number; type: string; data: Record<string, unknown>; occurredAt: string };

/** The service on mocked repositories, over the given patients and their logs. */
function serviceOver(patients: Row[], log: Entry[]) {
  const rows = new Map<unknown, unknown[]>([
    [PatientEntity, patients],
    // the log is read raw: its JSON column as text
    [PatientEventEntity, log.map((e) => ({ ...e, data: JSON.stringify(e.data) }))],
  ]);
  const queryOf = (entity: unknown) => {
    const query = { select: () => query, where: () => query, orderBy: () => query, addOrderBy: () => query, getRawMany: async () => rows.get(entity) };
    return query;
  };
  const dataSource = { getRepository: (entity: unknown) => ({ find: async () => rows.get(entity), createQueryBuilder: () => queryOf(entity) }) } as unknown as DataSource;
  const clock = { now: () => new Date(on(200)) } as Clock;
  // No read model: every patient is read from its whole log, the reading the read model must equal (test/outcome-facts.e2e-spec.ts).
  const noReadModel = { readings: async () => new Map() } as unknown as OutcomeFacts;
  return new OutcomesService(new PatientRepository(dataSource), clock, noReadModel);
}

/** One patient's log entries, numbered from 1, its registration first. */
function logOf(patientId: string, subjectId: string, entries: Array<[type: string, day: number, data?: Record<string, unknown>]>): Entry[] {
  return [['PATIENT_REGISTERED', -30, { subjectId, sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 }] as const, ...entries].map(([type, day, data], index) => ({
    patientId,
    seq: index + 1,
    type,
    data: data ?? {},
    occurredAt: on(day),
  }));
}

/** The service on mocked repositories: one CD19 patient whose log is given (after registration and the infusion). */
function outcomesOf(after: Array<[type: string, day: number, data?: Record<string, unknown>]>, actor: Actor = SITE_A) {
  const patients = [{ id: 'p-1', cohort: null, siteId: 'site-a', subjectId: 'S-1' }];
  const log = logOf('p-1', 'S-1', [['INFUSION_COMPLETED', 0, { cellsPerKg: 7e6 }], ...after]);
  return serviceOver(patients, log).outcomes('cd19-rr-all', { version: 1 }, actor);
}

const SITE_A: Actor = { id: 'user:a', name: 'A', role: 'coordinator', siteIds: ['site-a'] };
const SITE_B: Actor = { id: 'user:b', name: 'B', role: 'coordinator', siteIds: ['site-b'] };
const carCopies = (value: number, day: number) =>
  ['LAB_RESULT_RECORDED', day, { code: 'CAR_COPIES', compartment: 'PB', value, unit: 'copies/ug gDNA', collectedAt: on(day) }] as [string, number, Record<string, unknown>];

describe('OutcomesService', () => {
  it('censors survival at the last contact a person recorded, not at what the scheduler raised after it', async () => {
    const outcomes = await outcomesOf([
      ['VISIT_COMPLETED', 7, { visit: 'D7' }],
      ['VISIT_REMINDER', 12, { visit: 'D14' }],
      ['VISIT_WINDOW_CLOSING', 15, { visit: 'D14' }],
      ['VISIT_MISSED', 17, { visit: 'D14' }],
      ['DLT_WINDOW_ENDING', 25],
      ['DLT_WINDOW_CLOSED', 28],
      ['FOLLOW_UP_ENDED', 180],
    ]);
    expect(outcomes.survival.os?.points).toEqual([expect.objectContaining({ time: 7, events: 0, censored: 1 })]);
  });

  it('counts a visit a person recorded after a missed one as the last contact', async () => {
    const outcomes = await outcomesOf([
      ['VISIT_COMPLETED', 7, { visit: 'D7' }],
      ['VISIT_MISSED', 17, { visit: 'D14' }],
      ['VISIT_COMPLETED', 21, { visit: 'D28' }],
    ]);
    expect(outcomes.survival.os?.points).toEqual([expect.objectContaining({ time: 21, censored: 1 })]);
  });

  it("names the caller's own patients in the kinetics rows, with their curve, and leaves another site's anonymous", async () => {
    const labs = [carCopies(1000, 7), carCopies(5000, 14)];
    const own = await outcomesOf(labs, SITE_A);
    expect(own.kinetics.perPatient).toEqual([
      expect.objectContaining({
        patientId: 'p-1',
        subjectId: 'S-1',
        cmax: 5000,
        curve: [
          { day: 7, value: 1000 },
          { day: 14, value: 5000 },
        ],
      }),
    ]);
    const other = await outcomesOf(labs, SITE_B);
    expect(other.kinetics.perPatient).toEqual([expect.objectContaining({ patientId: null, subjectId: null, cmax: 5000 })]);
    expect(JSON.stringify(other)).not.toContain('p-1');
  });

  it('leaves an odd stored result out of the kinetics and lists it as a data issue, named only for its own site', async () => {
    const labs = [carCopies(1000, 7), carCopies(-1, 10), carCopies(5000, 14)];
    const own = await outcomesOf(labs, SITE_A);
    expect(own.kinetics.perPatient).toEqual([
      expect.objectContaining({
        cmax: 5000,
        curve: [
          { day: 7, value: 1000 },
          { day: 14, value: 5000 },
        ],
      }),
    ]);
    expect(own.dataIssues).toEqual([
      { patientId: 'p-1', subjectId: 'S-1', seq: 4, type: 'LAB_RESULT_RECORDED', field: 'data.value', problem: expect.stringMatching(/^CAR_COPIES is at least 0/) },
    ]);
    const other = await outcomesOf(labs, SITE_B);
    expect(other.dataIssues).toEqual([expect.objectContaining({ patientId: null, subjectId: null, seq: 4, field: 'data.value' })]);
  });

  describe('vein to vein', () => {
    // p-1 at site A and p-2 at site B, each apheresed 40 days before Day 0; p-2's product failed, in words naming p-1 and p-2.
    const patients: Row[] = [
      { id: 'p-1', cohort: null, siteId: 'site-a', subjectId: 'A-001' },
      { id: 'p-2', cohort: null, siteId: 'site-b', subjectId: 'B-007' },
      { id: 'p-3', cohort: null, siteId: 'site-c', subjectId: 'C-001' },
    ];
    const log = [
      ...logOf('p-1', 'A-001', [
        ['LEUKAPHERESIS_COMPLETED', -40],
        ['PRODUCT_RELEASED', -22, { lot: 'LOT-A' }],
        ['INFUSION_COMPLETED', 0, { cellsPerKg: 7e6 }],
      ]),
      ...logOf('p-2', 'B-007', [
        ['LEUKAPHERESIS_COMPLETED', -40],
        ['MANUFACTURING_FAILED', -20, { reason: 'B-007: insufficient expansion (cf. A-001, p-2 and b-007-bis)' }],
      ]),
      ...logOf('p-3', 'C-001', [
        ['LEUKAPHERESIS_COMPLETED', -35],
        ['PRODUCT_RELEASED', -20],
      ]),
    ];
    const outcomes = (actor: Actor) => serviceOver(patients, log).outcomes('cd19-rr-all', { version: 1 }, actor);

    it("gives the caller's sites by id and pools every other site's patients in one row without a site", async () => {
      const v2v = (await outcomes(SITE_A)).veinToVein;
      expect(v2v).toMatchObject({ apheresed: 3, released: 2, infused: 1, manufacturingFailures: 1, manufacturingSuccess: { successes: 2, n: 3 } });
      expect(v2v.apheresisToRelease).toEqual({ n: 2, median: 16.5, min: 15, max: 18 });
      expect(v2v.bySite.map((s) => [s.siteId, s.apheresed, s.released, s.manufacturingFailures])).toEqual([
        ['site-a', 1, 1, 0],
        [null, 2, 1, 1],
      ]);
      const admin = (await outcomes({ id: 'user:admin', name: 'Admin', role: 'admin', siteIds: 'all' })).veinToVein;
      expect(admin.bySite.map((s) => s.siteId)).toEqual(['site-a', 'site-b', 'site-c']);
    });

    it("shows the words given at the caller's own sites as written, and another site's only as given there", async () => {
      const texts = (o: Awaited<ReturnType<typeof outcomes>>) => o.veinToVein.notInfused.byReason.find((r) => r.reason === 'manufacturing failed')!.texts;
      const seenFromA = await outcomes(SITE_A);
      expect(texts(seenFromA)).toEqual([{ text: ANOTHER_SITES_WORDS, patients: 1 }]);
      const text = JSON.stringify(seenFromA);
      for (const hidden of ['p-2', 'B-007', 'b-007', 'p-3', 'C-001', 'insufficient expansion']) expect(text).not.toContain(hidden);
      // Site B reads its own patient's words as written.
      expect(texts(await outcomes(SITE_B))).toEqual([{ text: 'B-007: insufficient expansion (cf. A-001, p-2 and b-007-bis)', patients: 1 }]);
    });
  });
});
