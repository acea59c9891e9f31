import { lesionDataSchema } from '../events';
import { findProtocol } from '../registry';
import { patientFacts } from '../trial/patient-facts';
import { assessedResponse, lesionPriors, luganoProblems, recordLesions, type LesionRecords, type ResponseData } from './record';

const nhl = findProtocol('cd20-cd22')!.forCohort('B-NHL').spec;
const day = (d: number) => new Date(Date.UTC(2026, 2, 2 + d, 9)).toISOString();
const assess = (d: number, data: Omit<ResponseData, 'visit'>) => ({ type: 'RESPONSE_ASSESSED' as const, occurredAt: day(d), data: { visit: 'W4', ...data } });

/** W4 gives the baselines and a shrinking L1; W12 L1 regrows from its W4 nadir while the SPD stays below baseline. */
const W4 = assess(28, {
  newLesion: false,
  lesions: [
    { id: 'L1', ldiCm: 2, sdiCm: 2, baselineLdiCm: 4, baselineSdiCm: 3 },
    { id: 'L2', ldiCm: 2, sdiCm: 1.5, baselineLdiCm: 3, baselineSdiCm: 2 },
  ],
});
const W12 = assess(84, {
  newLesion: false,
  lesions: [
    { id: 'L1', ldiCm: 2.5, sdiCm: 2.4 },
    { id: 'L2', ldiCm: 1.5, sdiCm: 1 },
  ],
});

describe('target lesions in the record', () => {
  it('keeps each lesion’s baseline and measurements, and finds its nadir among those taken earlier', () => {
    const afterW4 = recordLesions(undefined, W4.data, W4.occurredAt)!;
    expect(afterW4).toEqual({
      L1: { baseline: { ldiCm: 4, sdiCm: 3 }, measured: [{ at: day(28), ldiCm: 2, sdiCm: 2 }] },
      L2: { baseline: { ldiCm: 3, sdiCm: 2 }, measured: [{ at: day(28), ldiCm: 2, sdiCm: 1.5 }] },
    });
    expect(lesionPriors(afterW4, W12.data, W12.occurredAt)).toEqual({
      L1: { baseline: { ldiCm: 4, sdiCm: 3 }, nadir: { ldiCm: 2, sdiCm: 2 } },
      L2: { baseline: { ldiCm: 3, sdiCm: 2 }, nadir: { ldiCm: 2, sdiCm: 1.5 } },
    });
    // An assessment entered late, dated before W4, is judged against the baseline only.
    expect(lesionPriors(afterW4, W12.data, day(20)).L1).toEqual({ baseline: { ldiCm: 4, sdiCm: 3 }, nadir: { ldiCm: 4, sdiCm: 3 } });
    expect(recordLesions(afterW4, { visit: 'W12' }, day(84))).toBe(afterW4);
    expect(recordLesions(undefined, { visit: 'W12', deauville: 2 }, day(84))).toBeUndefined();
  });

  it('answers PD at W12 from L1 alone, where the SPD from baseline (−58 %) would say PR', () => {
    const afterW4 = recordLesions(undefined, W4.data, W4.occurredAt);
    expect(assessedResponse(nhl, W4, undefined)).toEqual({ response: 'PR' });
    expect(assessedResponse(nhl, W12, afterW4)).toEqual({ response: 'PD' });
    expect(assessedResponse(nhl, W12, undefined)).toEqual({ response: 'SD' });
  });

  it('lets a later assessment repeat a lesion’s baseline, not change it', () => {
    const afterW4 = recordLesions(undefined, W4.data, W4.occurredAt);
    const repeated = { visit: 'W12', newLesion: false, lesions: [{ id: 'L1', ldiCm: 2, sdiCm: 2, baselineLdiCm: 4, baselineSdiCm: 3 }] };
    expect(luganoProblems(repeated, afterW4)).toEqual([]);
    expect(luganoProblems({ ...repeated, lesions: [{ ...repeated.lesions[0], baselineSdiCm: 2.5 }] }, afterW4)).toEqual([
      'lesion L1 has its baseline on record as 4 × 3 cm; a later assessment cannot change it to 4 × 2.5 cm',
    ]);
    expect(recordLesions(afterW4, repeated, day(84))!.L1.baseline).toEqual({ ldiCm: 4, sdiCm: 3 });
  });

  it('gives the outcomes the response the engine answered, lesion history included', () => {
    const log = { patientId: 'p', cohort: 'B-NHL', birthDate: '1980-01-01', events: [{ type: 'INFUSION_COMPLETED', occurredAt: day(0), data: { cellsPerKg: 2e6 } }, W4, W12] };
    expect(patientFacts(nhl, log, day(100)).responses.map((r) => r.response)).toEqual(['PR', 'PD']);
    const lesions: LesionRecords | undefined = recordLesions(undefined, W4.data, W4.occurredAt);
    expect(assessedResponse(nhl, W12, lesions).response).toBe('PD');
  });
});

describe('a target lesion in RESPONSE_ASSESSED', () => {
  const messages = (lesion: object) => lesionDataSchema.safeParse({ id: 'L1', ldiCm: 2, sdiCm: 1, ...lesion }).error?.issues.map((i) => i.message);

  it('takes its diameters and, with both, its baseline', () => {
    expect(messages({})).toBeUndefined();
    expect(messages({ baselineLdiCm: 3, baselineSdiCm: 3 })).toBeUndefined();
    expect(messages({ ldiCm: 0, sdiCm: 0 })).toBeUndefined();
  });

  it('refuses one baseline diameter alone, a shortest above the longest, and sizes out of range', () => {
    expect(messages({ baselineLdiCm: 3 })).toEqual(['give both baseline diameters (baselineLdiCm and baselineSdiCm) or neither']);
    expect(messages({ baselineSdiCm: 3 })).toEqual(['give both baseline diameters (baselineLdiCm and baselineSdiCm) or neither']);
    expect(messages({ baselineLdiCm: 3, baselineSdiCm: 3.1 })).toEqual(['the shortest baseline diameter (baselineSdiCm) cannot exceed the longest (baselineLdiCm)']);
    expect(messages({ sdiCm: 2.1 })).toEqual(['the shortest diameter (sdiCm) cannot exceed the longest (ldiCm)']);
    expect(messages({ ldiCm: -1, sdiCm: -1 })).toEqual(['Too small: expected number to be >=0', 'Too small: expected number to be >=0']);
    expect(messages({ ldiCm: 101 })).toHaveLength(1);
    expect(messages({ id: ' ' })).toHaveLength(1);
    expect(messages({ suvMax: 4 })).toHaveLength(1);
  });
});
