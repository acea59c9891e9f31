import { cd19RrAllV1 } from '../cd19-rr-all/protocol';
import type { PatientContext } from './context';
import { patientSchedule } from './schedule';

const day0 = '2026-03-01T00:00:00.000Z';
const infused = (over: Partial<PatientContext> = {}) =>
  ({
    infusion: { infusedAt: day0, cellsPerKg: 7e6, weightKg: 70, totalCells: 4.9e8 },
    visits: { D7: { status: 'done', completedAt: '2026-03-08T00:00:00.000Z' }, D14: { status: 'missed', missedAt: '2026-03-17T00:00:00.000Z' } },
    ...over,
  }) as unknown as PatientContext;

describe('patientSchedule', () => {
  it('shows planned, due, done and missed visits of a patient on study', () => {
    const visits = patientSchedule(cd19RrAllV1, infused(), '2026-03-28T12:00:00.000Z');
    expect(visits.slice(0, 4).map((v) => [v.name, v.status])).toEqual([
      ['D7', 'done'],
      ['D14', 'missed'],
      ['D28', 'due'],
      ['M2', 'planned'],
    ]);
  });

  it.each(['withdrawn', 'death', 'lost to follow-up', 'follow-up completed'])('cancels every visit still to come once the patient is off study (%s)', (reason) => {
    const offStudy = { at: '2026-03-20T00:00:00.000Z', reason };
    const visits = patientSchedule(cd19RrAllV1, infused({ offStudy }), '2026-03-28T12:00:00.000Z');
    expect(visits.slice(0, 2).map((v) => v.status)).toEqual(['done', 'missed']);
    expect(visits.slice(2).every((v) => v.status === 'cancelled' && v.cancelledAt === offStudy.at)).toBe(true);
    expect(visits.some((v) => v.status === 'planned' || v.status === 'due')).toBe(false);
  });

  it('has no visits before the infusion', () => {
    expect(patientSchedule(cd19RrAllV1, { visits: {} } as unknown as PatientContext, day0)).toEqual([]);
  });
});
