import { cd19RrAllV1 } from '../cd19-rr-all/protocol';
import { studyDay } from '../lifecycle/clinical-time';
import type { LoggedEvent } from './patient-facts';
import { factsAsOf, patientFacts } from './patient-facts';
import { deepFreeze } from './deep-freeze';
import { trialOutcomes } from './outcomes';

describe('study days', () => {
  const infusedAt = '2026-01-01T09:00:00.000Z';

  it('counts whole calendar days from the infusion day, Day 0, whatever the hour', () => {
    expect(studyDay('2026-01-01T07:00:00.000Z', infusedAt)).toBe(0);
    expect(studyDay('2026-01-01T23:59:59.999Z', infusedAt)).toBe(0);
    expect(studyDay('2026-01-08T08:00:00.000Z', infusedAt)).toBe(7);
    expect(studyDay('2026-01-29T15:00:00.000Z', infusedAt)).toBe(28);
    expect(studyDay('2025-12-31T23:00:00.000Z', infusedAt)).toBe(-1);
    expect(studyDay('2026-01-29', infusedAt)).toBe(28);
  });

  it('keeps a Day-28 sample drawn later in the day than the infusion in AUC0–28, with Tmax on its study day', () => {
    const lab = (collectedAt: string, value: number): LoggedEvent => ({
      type: 'LAB_RESULT_RECORDED',
      occurredAt: '2026-02-01T00:00:00.000Z',
      data: { code: 'CAR_COPIES', compartment: 'PB', value, unit: 'copies/µg', collectedAt },
    });
    const log = {
      patientId: 'p1',
      cohort: null,
      birthDate: '1990-01-01',
      events: [
        { type: 'INFUSION_COMPLETED', occurredAt: infusedAt, data: {} },
        // two samples on Day 7, recorded out of order: the later collection (18:00) counts
        lab('2026-01-08T18:00:00.000Z', 5000),
        lab('2026-01-08T08:00:00.000Z', 4000),
        lab('2026-01-15T10:00:00.000Z', 3000),
        lab('2026-01-29T15:00:00.000Z', 500),
      ],
    };
    expect(patientFacts(cd19RrAllV1, log, '2026-03-01T00:00:00.000Z').labs.map((l) => [l.day, l.value])).toEqual([
      [7, 4000],
      [7, 5000],
      [14, 3000],
      [28, 500],
    ]);
    // (0 + 5000)/2 × 7 + (5000 + 3000)/2 × 7 + (3000 + 500)/2 × 14 = 17 500 + 28 000 + 24 500
    expect(trialOutcomes(cd19RrAllV1, [log], '2026-03-01T00:00:00.000Z').kinetics.perPatient).toEqual([
      {
        patientId: 'p1',
        compartment: 'PB',
        cmax: 5000,
        tmax: 7,
        auc: 70_000,
        samples: 3,
        curve: [
          { day: 7, value: 5000 },
          { day: 14, value: 3000 },
          { day: 28, value: 500 },
        ],
      },
    ]);
  });
});

describe('facts read as of a later date (factsAsOf)', () => {
  const infusedAt = '2026-01-01T09:00:00.000Z';
  const on = (d: number) => new Date(Date.parse(infusedAt) + d * 86_400_000).toISOString();
  const anc = (d: number, value: number): LoggedEvent => ({
    type: 'LAB_RESULT_RECORDED',
    occurredAt: on(d),
    data: { code: 'ANC', compartment: 'PB', value, unit: '10^9/L', collectedAt: on(d) },
  });
  // One count below 0.5 on Day 1 and none since: how long the neutropenia may have lasted grows with the date read.
  const log = { patientId: 'p1', cohort: null, birthDate: '1990-01-01', events: [{ type: 'INFUSION_COMPLETED', occurredAt: infusedAt, data: {} }, anc(1, 0.3)] };
  const asOfDays = [3, 17, 3, 40, 17];

  it('grade ICAHT as of each study day read, frozen facts read again and again on different days', () => {
    const kept = deepFreeze(patientFacts(cd19RrAllV1, log, on(1)));
    const graded = asOfDays.map((d) => factsAsOf(kept, on(d)).icaht);
    graded.forEach((icaht, i) => expect(icaht).toEqual(patientFacts(cd19RrAllV1, log, on(asOfDays[i])).icaht));
    expect(graded[0]!.early.worstPossibleGrade).toBeLessThan(graded[1]!.early.worstPossibleGrade);
    expect(graded[1]).not.toEqual(graded[3]);
  });

  it('grade afresh facts that are not frozen, which may have changed since the last read that day', () => {
    const facts = patientFacts(cd19RrAllV1, log, on(1));
    const before = factsAsOf(facts, on(17)).icaht;
    facts.labs.push({ code: 'ANC', compartment: 'PB', day: 2, value: 2.5, unit: '10^9/L' });
    const after = factsAsOf(facts, on(17)).icaht;
    expect(after).toEqual(patientFacts(cd19RrAllV1, { ...log, events: [...log.events, anc(2, 2.5)] }, on(17)).icaht);
    expect(after).not.toEqual(before);
  });
});
