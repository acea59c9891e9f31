import { screenLog, storedEntryProblems, unreadableEntry } from './data-issues';

const AT = '2026-03-02T10:00:00.000Z';
const lab = (data: unknown, occurredAt: unknown = AT) => ({ type: 'LAB_RESULT_RECORDED', data, occurredAt });
const copies = { code: 'CAR_COPIES', compartment: 'PB', value: 5000, unit: 'copies/µg gDNA', collectedAt: AT };

describe('stored entries against the current schemas', () => {
  it('finds nothing wrong with an entry the engine writes today, ENROLLED with its dose level and a registration included', () => {
    expect(storedEntryProblems(lab(copies))).toEqual([]);
    expect(storedEntryProblems({ type: 'ENROLLED', data: { doseLevel: 2 }, occurredAt: AT })).toEqual([]);
    expect(storedEntryProblems({ type: 'ENROLLED', data: { doseLevel: 2, coi: 'W123426UY6N1OPWYOE' }, occurredAt: AT })).toEqual([]);
    const bedsideCheck = {
      bagCoi: 'W123426UY6N1OPWYOE',
      patientCoi: 'W123426UY6N1OPWYOE',
      verifiedBy: [
        { userId: 'user:c', name: 'Carla', role: 'coordinator' },
        { userId: 'user:i', name: 'Ivan', role: 'investigator', meaning: 'I verified it', signedAt: AT },
      ],
    };
    expect(storedEntryProblems({ type: 'INFUSION_COMPLETED', data: { cellsPerKg: 7e6, bedsideCheck }, occurredAt: AT })).toEqual([]);
    // An infusion recorded before the bedside check: still sound.
    expect(storedEntryProblems({ type: 'INFUSION_COMPLETED', data: { cellsPerKg: 7e6 }, occurredAt: AT })).toEqual([]);
    expect(storedEntryProblems({ type: 'INFUSION_COMPLETED', data: { cellsPerKg: 7e6, bedsideCheck: { ...bedsideCheck, verifiedBy: [] } }, occurredAt: AT })).toEqual([
      { field: 'data.bedsideCheck.verifiedBy', problem: expect.any(String) },
    ]);
    expect(storedEntryProblems({ type: 'VISIT_MISSED', data: { visit: 'D7' }, occurredAt: AT })).toEqual([]);
    const registration = { protocol: 'cd19-rr-all@2', siteId: 'site-a', subjectId: 'S-1', sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 };
    expect(storedEntryProblems({ type: 'PATIENT_REGISTERED', data: registration, occurredAt: AT })).toEqual([]);
  });

  it.each<[string, unknown, unknown, Array<{ field: string; problem: unknown }>]>([
    ['a negative count', { ...copies, value: -1 }, AT, [{ field: 'data.value', problem: expect.stringMatching(/^CAR_COPIES is at least 0/) }]],
    ['an unparseable date in the data', { ...copies, collectedAt: 'yesterday' }, AT, [{ field: 'data.collectedAt', problem: expect.any(String) }]],
    ['a missing field', { code: 'IL6', value: 3, collectedAt: AT }, AT, [{ field: 'data.unit', problem: expect.any(String) }]],
    ['a unit of another code', { ...copies, unit: 'pg/mL' }, AT, [{ field: 'data.unit', problem: expect.stringContaining('not "pg/mL"') }]],
    ['data that is not JSON (read as undefined)', undefined, AT, [{ field: 'data', problem: 'is not a JSON object' }]],
    ['data that is an array', [1, 2], AT, [{ field: 'data', problem: 'is not a JSON object' }]],
    ['an unparseable clinical time', copies, 'not a date', [{ field: 'occurredAt', problem: 'is not an ISO 8601 date-time' }]],
    ['a clinical time without an offset', copies, '2026-03-02T10:00:00', [{ field: 'occurredAt', problem: 'is not an ISO 8601 date-time' }]],
    ['a clinical time that is not text', copies, 12, [{ field: 'occurredAt', problem: 'is not an ISO 8601 date-time' }]],
  ])('names the field of %s', (_what, data, occurredAt, problems) => {
    expect(storedEntryProblems(lab(data, occurredAt))).toEqual(problems);
  });

  it('names an event type outside the vocabulary, an Object.prototype name included', () => {
    expect(storedEntryProblems({ type: 'TELEPORTED', data: {}, occurredAt: AT })).toEqual([{ field: 'type', problem: 'is not an event of the vocabulary' }]);
    expect(storedEntryProblems({ type: 'constructor', data: {}, occurredAt: AT })).toEqual([{ field: 'type', problem: 'is not an event of the vocabulary' }]);
  });

  it('checks only the clinical time of an entry whose data the reader does not read', () => {
    expect(storedEntryProblems(lab({ ...copies, value: -1 }), false)).toEqual([]);
    expect(storedEntryProblems(lab(copies, 'x'), false)).toEqual([{ field: 'occurredAt', problem: 'is not an ISO 8601 date-time' }]);
  });
});

describe('screening a patient log', () => {
  const log = [
    { seq: 1, type: 'PATIENT_REGISTERED', data: { sex: 'female', birthDate: 'unknown', weightKg: 70, heightCm: 170 }, occurredAt: AT },
    { seq: 2, ...lab(copies) },
    { seq: 3, ...lab({ ...copies, value: -1 }) },
    { seq: 4, type: 'SCREENING_DATA_RECORDED', data: { ecog: 9 }, occurredAt: AT },
  ];

  it('keeps the sound entries and the registration, and lists each problem with its patient and seq', () => {
    const { trusted, issues } = screenLog('p-1', log);
    expect(trusted.map((e) => e.seq)).toEqual([1, 2]);
    expect(issues).toEqual([
      { patientId: 'p-1', seq: 1, type: 'PATIENT_REGISTERED', field: 'data.birthDate', problem: expect.any(String) },
      { patientId: 'p-1', seq: 3, type: 'LAB_RESULT_RECORDED', field: 'data.value', problem: expect.any(String) },
      { patientId: 'p-1', seq: 4, type: 'SCREENING_DATA_RECORDED', field: 'data.ecog', problem: expect.any(String) },
    ]);
  });

  it('lists only what a reader reads', () => {
    const { trusted, issues } = screenLog('p-1', log, ['LAB_RESULT_RECORDED']);
    expect(trusted.map((e) => e.seq)).toEqual([1, 2, 4]);
    expect(issues.map((i) => i.seq)).toEqual([3]);
  });

  it('words an error met on the way as an issue of its entry', () => {
    expect(unreadableEntry('p-1', { seq: 7, type: 'ADVERSE_EVENT_REPORTED' }, new RangeError('no age'))).toEqual({
      patientId: 'p-1',
      seq: 7,
      type: 'ADVERSE_EVENT_REPORTED',
      field: 'data',
      problem: 'could not be read: no age',
    });
  });
});
