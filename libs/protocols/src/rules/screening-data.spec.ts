import { z } from 'zod';
import { mergeScreeningData, screeningConditions, screeningDataSchema, screeningRecordRefusals, type ScreeningData } from './screening-data';

describe('screening data schema', () => {
  it('accepts a piecemeal record', () => {
    const recorded = {
      diagnosis: 'B-ALL',
      markers: { CD19: 'positive' },
      ecog: 1,
      contraceptionAgreed: true,
      labs: { creatinineMgDl: 0.9 },
      conditions: { pregnant: false, lactating: false },
    };
    expect(screeningDataSchema.parse(recorded)).toEqual(recorded);
    expect(screeningDataSchema.parse({})).toEqual({});
  });

  it('refuses unknown fields, out-of-range values and non-boolean conditions', () => {
    expect(screeningDataSchema.safeParse({ weight: 70 }).success).toBe(false);
    expect(screeningDataSchema.safeParse({ labs: { sodium: 140 } }).success).toBe(false);
    expect(screeningDataSchema.safeParse({ labs: { lvef: 55 } }).success).toBe(false);
    expect(screeningDataSchema.safeParse({ karnofsky: 65 }).success).toBe(false);
    expect(screeningDataSchema.safeParse({ ecog: 6 }).success).toBe(false);
    expect(screeningDataSchema.safeParse({ conditions: { pregnant: 'no' } }).success).toBe(false);
    expect(screeningDataSchema.safeParse({ contraceptionAgreed: 'yes' }).success).toBe(false);
  });

  it('accepts the disease history, prior therapy and GVHD fields', () => {
    const recorded = {
      relapsed: true,
      refractory: false,
      chemotherapyCourses: 3,
      extramedullaryOnly: true,
      assessableLesions: 2,
      priorCd19CarT: true,
      priorGeneOrCellTherapyOtherThanCd19CarT: false,
      priorInvestigationalProduct: true,
      daysSinceInvestigationalProduct: 45,
      gvhd: { acuteGlucksbergGrade: 1, acuteIbmtrIndex: 'A', chronic: 'limited' },
      conditions: { severeActiveInfection: false, priorMalignancyOnlyCuredInSituSkinOrCervix: true },
    };
    expect(screeningDataSchema.parse(recorded)).toEqual(recorded);
  });

  it('refuses out-of-range counts and GVHD grades outside their scales', () => {
    expect(screeningDataSchema.safeParse({ chemotherapyCourses: 1.5 }).success).toBe(false);
    expect(screeningDataSchema.safeParse({ assessableLesions: -1 }).success).toBe(false);
    expect(screeningDataSchema.safeParse({ daysSinceInvestigationalProduct: -3 }).success).toBe(false);
    expect(screeningDataSchema.safeParse({ gvhd: { acuteGlucksbergGrade: 5 } }).success).toBe(false);
    expect(screeningDataSchema.safeParse({ gvhd: { acuteIbmtrIndex: 'E' } }).success).toBe(false);
    expect(screeningDataSchema.safeParse({ gvhd: { chronic: 'severe' } }).success).toBe(false);
    expect(screeningDataSchema.safeParse({ gvhd: { grade: 2 } }).success).toBe(false);
  });

  it('lists the conditions the shipped protocols ask about, once each', () => {
    expect(new Set(screeningConditions).size).toBe(screeningConditions.length);
    expect(screeningConditions).toEqual(expect.arrayContaining(['priorMalignancy', 'severeActiveInfection', 'syphilis']));
  });

  it('documents itself as JSON Schema for the protocol definition', () => {
    const documented = z.toJSONSchema(screeningDataSchema, { io: 'input' });
    expect(documented).toMatchObject({ type: 'object', additionalProperties: false });
    expect(Object.keys(documented.properties ?? {})).toEqual(expect.arrayContaining(['contraceptionAgreed', 'conditions']));
  });
});

describe('merging screening records', () => {
  it('lets later values win', () => {
    expect(mergeScreeningData({ ecog: 1, diagnosis: 'B-ALL' }, { ecog: 2 })).toEqual({ ecog: 2, diagnosis: 'B-ALL' });
  });

  it('merges labs, markers and conditions key by key', () => {
    const previous = {
      labs: { creatinineMgDl: 1.2, bilirubinMgDl: 0.8 },
      markers: { CD19: 'positive' as const },
      conditions: { hiv: false, pregnant: false },
    };
    const next = {
      labs: { creatinineMgDl: 1.4 },
      markers: { CD22: 'dim' as const },
      conditions: { pregnant: true },
    };
    expect(mergeScreeningData(previous, next)).toEqual({
      labs: { creatinineMgDl: 1.4, bilirubinMgDl: 0.8 },
      markers: { CD19: 'positive', CD22: 'dim' },
      conditions: { hiv: false, pregnant: true },
    });
  });

  it('merges the GVHD grading key by key', () => {
    const previous = { gvhd: { acuteGlucksbergGrade: 1, chronic: 'none' as const } };
    expect(mergeScreeningData(previous, { gvhd: { chronic: 'limited' } })).toEqual({
      gvhd: { acuteGlucksbergGrade: 1, chronic: 'limited' },
    });
    expect(mergeScreeningData({}, { gvhd: { acuteIbmtrIndex: 'B' } })).toEqual({ gvhd: { acuteIbmtrIndex: 'B' } });
  });

  it('drops a key given as undefined from a group first recorded now', () => {
    // A client's JSON never holds undefined; a caller in code may, as an optional value not set.
    const next = {
      labs: { creatinineMgDl: 1, bilirubinMgDl: undefined },
      markers: { CD19: 'positive', CD22: undefined },
      conditions: { hiv: false, pregnant: undefined },
      gvhd: { chronic: 'none', acuteIbmtrIndex: undefined },
    } as unknown as ScreeningData;
    const merged = mergeScreeningData({}, next);
    expect(Object.keys(merged.labs!)).toEqual(['creatinineMgDl']);
    expect(Object.keys(merged.markers!)).toEqual(['CD19']);
    expect(Object.keys(merged.conditions!)).toEqual(['hiv']);
    expect(Object.keys(merged.gvhd!)).toEqual(['chronic']);
  });

  it('keeps what is known when a field is given as undefined, and changes neither input', () => {
    const previous = { ecog: 1, labs: { lvef: 0.6 } };
    const next = { ecog: undefined, labs: { lvef: undefined, altXUln: 1 } };
    expect(mergeScreeningData(previous, next)).toEqual({ ecog: 1, labs: { lvef: 0.6, altXUln: 1 } });
    expect(previous).toEqual({ ecog: 1, labs: { lvef: 0.6 } });
  });

  it('starts from nothing', () => {
    expect(mergeScreeningData({}, { labs: { lvef: 0.55 } })).toEqual({ labs: { lvef: 0.55 } });
    expect(mergeScreeningData({}, {})).toEqual({});
  });
});

describe('screening record limits', () => {
  const many = <const T>(n: number, value: T, prefix = 'K'): Record<string, T> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, value]));

  it('takes up to 100 markers and 100 conditions in one event, not more', () => {
    expect(screeningDataSchema.safeParse({ markers: many(100, 'positive') }).success).toBe(true);
    expect(screeningDataSchema.safeParse({ conditions: many(100, false) }).success).toBe(true);
    const markers = screeningDataSchema.safeParse({ markers: many(101, 'positive') });
    expect(markers.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['markers: at most 100 markers']);
    expect(screeningDataSchema.safeParse({ conditions: many(5000, true) }).success).toBe(false);
  });

  it('refuses an event that would take the merged record past the limit, counting a key recorded again once', () => {
    const previous = { markers: many(60, 'positive') };
    expect(screeningRecordRefusals(previous, { markers: many(40, 'negative', 'L') })).toEqual([]);
    expect(screeningRecordRefusals(previous, { markers: many(60, 'negative') })).toEqual([]);
    expect(screeningRecordRefusals(previous, { markers: many(41, 'negative', 'L') })).toEqual([
      'data.markers: the screening record would hold 101 markers, more than the 100 it may hold',
    ]);
    expect(screeningRecordRefusals({ conditions: many(100, true) }, { conditions: { extra: false } })).toEqual([
      'data.conditions: the screening record would hold 101 conditions, more than the 100 it may hold',
    ]);
  });
});
