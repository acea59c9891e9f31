import { readFhirObservations } from './observation-in';

const observation = (extra: Record<string, unknown>) => ({
  resourceType: 'Observation',
  identifier: [{ system: 'urn:oid:1.2.3', value: 'LIS-1' }],
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '1742-6' }] },
  subject: { identifier: { value: 'S-001' } },
  effectiveDateTime: '2026-12-04T08:00:00+01:00',
  valueQuantity: { value: 120, unit: 'U/L', system: 'http://unitsofmeasure.org', code: 'U/L' },
  ...extra,
});

const rangeOf = (extra: Record<string, unknown>) => {
  const read = readFhirObservations(observation(extra));
  if ('problem' in read) throw new Error(read.problem);
  return read.results[0]!.referenceRange;
};

describe('FHIR Observation.referenceRange in', () => {
  it('reads the limits given in the value’s unit, or with no unit named', () => {
    expect(rangeOf({ referenceRange: [{ high: { value: 33, unit: 'U/L', code: 'U/L' } }] })).toEqual({ high: 33 });
    expect(rangeOf({ referenceRange: [{ low: { value: 7 }, high: { value: 33 } }] })).toEqual({ low: 7, high: 33 });
  });

  it('leaves out a range in another unit, upside down, or without limits, rather than guess', () => {
    expect(rangeOf({ referenceRange: [{ high: { value: 0.55, code: 'ukat/L' } }] })).toBeUndefined();
    expect(rangeOf({ referenceRange: [{ low: { value: 40 }, high: { value: 7 } }] })).toBeUndefined();
    expect(rangeOf({ referenceRange: [{ text: 'see report' }] })).toBeUndefined();
    expect(rangeOf({})).toBeUndefined();
  });
});
