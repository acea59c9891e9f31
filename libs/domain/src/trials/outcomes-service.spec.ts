import type { DataSource } from 'typeorm';
import { addDays } from '#protocols';
import type { Clock } from '../kernel/clock';
import type { Actor } from '../kernel/actor';
import { PatientEntity, PatientEventEntity } from '../persistence/entities';
import { PatientRepository } from '../persistence/repositories/patient-repository';
import { OutcomesService } from './outcomes-service';

const DAY0 = '2026-03-16T10:00:00.000Z';
const on = (day: number) => addDays(DAY0, day);

/** The service on mocked repositories: one CD19 patient whose log is given (after registration and the infusion). */
function outcomesOf(after: Array<[type: string, day: number, data?: Record<string, unknown>]>, actor: Actor = SITE_A) {
  const patients = [{ id: 'p-1', cohort: null, siteId: 'site-a', subjectId: 'S-1' }];
  const log = [
    ['PATIENT_REGISTERED', -30, { subjectId: 'S-1', sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 }] as const,
    ['INFUSION_COMPLETED', 0, { cellsPerKg: 7e6 }] as const,
    ...after.map(([type, day, data]) => [type, day, data ?? {}] as const),
  ].map(([type, day, data], index) => ({ patientId: 'p-1', seq: index + 1, type, data, occurredAt: on(day) }));
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
  return new OutcomesService(new PatientRepository(dataSource), clock).outcomes('cd19-rr-all', { version: 1 }, actor);
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
});
