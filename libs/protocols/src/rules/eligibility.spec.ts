import fc from 'fast-check';
import {
  ageBetween,
  ageOn,
  allOf,
  anyOf,
  attestation,
  conditionPresent,
  describeCriteria,
  diagnosisIs,
  evaluateEligibility,
  exclusion,
  inclusion,
  markerPositive,
  numberAbove,
  numberAtLeast,
  numberAtMost,
  numberBelow,
  onlyForSex,
} from './eligibility';
import type { Criterion, EligibilityInput } from './eligibility';
import type { ScreeningData } from './screening-data';

const input = (screening: ScreeningData, more: Partial<EligibilityInput> = {}): EligibilityInput => ({
  screening,
  patient: { birthDate: '1990-06-15', sex: 'female' },
  attestations: [],
  asOf: '2026-03-02T10:00:00Z',
  ...more,
});

const creatinine = { path: 'labs.creatinineMgDl', label: 'creatinine', unit: 'mg/dL', limit: 1.6 } as const;
const check = (criterion: Criterion, screening: ScreeningData, more?: Partial<EligibilityInput>) => criterion.check(input(screening, more));

describe('number conditions', () => {
  const below = inclusion('creatinine', 'creatinine < 1.6 mg/dL', numberBelow(creatinine));

  it('says the value and the limit when unmet', () => {
    expect(check(below, { labs: { creatinineMgDl: 1.59 } })).toEqual({ status: 'met' });
    expect(check(below, { labs: { creatinineMgDl: 1.6 } })).toEqual({
      status: 'unmet',
      reason: 'creatinine 1.6 mg/dL is not below 1.6 mg/dL',
    });
  });

  it('names the value that has not been recorded', () => {
    expect(check(below, {})).toEqual({ status: 'missing', reason: 'creatinine has not been recorded' });
    expect(check(below, { labs: {} })).toEqual({ status: 'missing', reason: 'creatinine has not been recorded' });
  });

  it('takes a stored value that is not a finite number as not recorded, never as a comparison', () => {
    for (const odd of [Number.NaN, Number.POSITIVE_INFINITY, '1.2' as unknown as number]) {
      expect(check(below, { labs: { creatinineMgDl: odd } })).toEqual({ status: 'missing', reason: 'creatinine has not been recorded' });
    }
  });

  it('words the diagnosis and age rules as the protocol definition publishes them', () => {
    const diagnosis = diagnosisIs(['B-ALL', 'Ph+ B-ALL']);
    expect(diagnosis.rule).toBe('diagnosis B-ALL or Ph+ B-ALL');
    expect(diagnosis.find(input({ diagnosis: 'DLBCL' }))).toEqual({ status: 'fails', statement: 'the diagnosis is DLBCL, not B-ALL or Ph+ B-ALL' });
    expect(ageBetween(3, 75).rule).toBe('age 3–75 years');
  });

  it.each([
    ['numberAtMost', 2, true, 'ECOG 2 is at most 2', numberAtMost],
    ['numberAtMost', 3, false, 'ECOG 3 is above 2', numberAtMost],
    ['numberAtLeast', 2, true, 'ECOG 2 is at least 2', numberAtLeast],
    ['numberAtLeast', 1, false, 'ECOG 1 is below 2', numberAtLeast],
    ['numberAbove', 3, true, 'ECOG 3 is above 2', numberAbove],
    ['numberAbove', 2, false, 'ECOG 2 is not above 2', numberAbove],
    ['numberBelow', 1, true, 'ECOG 1 is below 2', numberBelow],
    ['numberBelow', 2, false, 'ECOG 2 is not below 2', numberBelow],
  ])('%s: ECOG %p against 2 holds: %p', (_name, ecog, holdsExpected, statement, comparison) => {
    const finding = comparison({ path: 'ecog', label: 'ECOG', limit: 2 }).find(input({ ecog }));
    expect(finding).toEqual({ status: holdsExpected ? 'holds' : 'fails', statement });
  });

  it('turns a holding condition into an unmet exclusion', () => {
    const highBilirubin = exclusion('bilirubin', 'bilirubin above 2', numberAbove({ path: 'labs.bilirubinMgDl', label: 'bilirubin', unit: 'mg/dL', limit: 2 }));
    expect(check(highBilirubin, { labs: { bilirubinMgDl: 2.5 } })).toEqual({
      status: 'unmet',
      reason: 'bilirubin 2.5 mg/dL is above 2 mg/dL',
    });
    expect(check(highBilirubin, { labs: { bilirubinMgDl: 2 } })).toEqual({ status: 'met' });
    expect(check(highBilirubin, {}).status).toBe('missing');
  });
});

describe('anyOf', () => {
  const performance = inclusion(
    'performance',
    'Karnofsky performance status ≥ 60 or ECOG ≤ 2',
    anyOf([numberAtLeast({ path: 'karnofsky', label: 'Karnofsky performance status', limit: 60 }), numberAtMost({ path: 'ecog', label: 'ECOG', limit: 2 })]),
  );

  it('is met when either recorded value passes', () => {
    expect(check(performance, { karnofsky: 60 })).toEqual({ status: 'met' });
    expect(check(performance, { ecog: 2 })).toEqual({ status: 'met' });
    expect(check(performance, { karnofsky: 50, ecog: 2 })).toEqual({ status: 'met' });
    expect(check(performance, { karnofsky: 60, ecog: 3 })).toEqual({ status: 'met' });
  });

  it('is unmet when every recorded value fails, naming each', () => {
    expect(check(performance, { karnofsky: 50, ecog: 3 })).toEqual({
      status: 'unmet',
      reason: 'Karnofsky performance status 50 is below 60 and ECOG 3 is above 2',
    });
    expect(check(performance, { ecog: 3 })).toEqual({
      status: 'unmet',
      reason: 'ECOG 3 is above 2, and Karnofsky performance status has not been recorded',
    });
  });

  it('is missing only when neither is recorded', () => {
    expect(check(performance, {})).toEqual({
      status: 'missing',
      reason: 'Karnofsky performance status has not been recorded and ECOG has not been recorded',
    });
  });

  it('cannot clear an exclusion on partial data', () => {
    const viral = exclusion('viral', 'hepatitis B or C', anyOf([conditionPresent('hepatitisB', 'hepatitis B'), conditionPresent('hepatitisC', 'hepatitis C')]));
    expect(check(viral, { conditions: { hepatitisB: false } })).toEqual({
      status: 'missing',
      reason: 'hepatitis C has not been recorded as present or absent',
    });
    expect(check(viral, { conditions: { hepatitisC: true } })).toEqual({ status: 'unmet', reason: 'hepatitis C is recorded' });
    expect(check(viral, { conditions: { hepatitisB: false, hepatitisC: false } })).toEqual({ status: 'met' });
  });
});

describe('allOf', () => {
  const transaminases = inclusion(
    'ast-alt',
    'AST/ALT < 3 × ULN',
    allOf([numberBelow({ path: 'labs.astXUln', label: 'AST', unit: '× ULN', limit: 3 }), numberBelow({ path: 'labs.altXUln', label: 'ALT', unit: '× ULN', limit: 3 })]),
  );

  it('needs every part', () => {
    expect(check(transaminases, { labs: { astXUln: 2.9, altXUln: 2.99 } })).toEqual({ status: 'met' });
    expect(check(transaminases, { labs: { astXUln: 3, altXUln: 3.5 } })).toEqual({
      status: 'unmet',
      reason: 'AST 3 × ULN is not below 3 × ULN and ALT 3.5 × ULN is not below 3 × ULN',
    });
    expect(check(transaminases, { labs: { astXUln: 1 } })).toEqual({ status: 'missing', reason: 'ALT has not been recorded' });
    expect(check(transaminases, { labs: { altXUln: 4 } }).status).toBe('unmet');
  });
});

describe('markers and conditions', () => {
  const cd19 = inclusion('cd19', 'CD19+', markerPositive('CD19'));
  const seizure = exclusion('seizure', 'With history of seizure', conditionPresent('seizureHistory', 'a history of seizure'));

  it('reads a marker', () => {
    expect(check(cd19, { markers: { CD19: 'positive' } })).toEqual({ status: 'met' });
    expect(check(cd19, { markers: { CD19: 'dim' } })).toEqual({ status: 'unmet', reason: 'CD19 is dim, not positive' });
    expect(check(cd19, { markers: { CD22: 'positive' } })).toEqual({
      status: 'missing',
      reason: 'CD19 status has not been recorded',
    });
    expect(check(cd19, { markers: { CD19: 'unknown' } })).toEqual({
      status: 'missing',
      reason: 'CD19 status is recorded as unknown',
    });
  });

  it('excludes on a condition recorded as present', () => {
    expect(check(seizure, { conditions: { seizureHistory: false } })).toEqual({ status: 'met' });
    expect(check(seizure, { conditions: { seizureHistory: true } })).toEqual({
      status: 'unmet',
      reason: 'a history of seizure is recorded',
    });
    expect(check(seizure, {})).toEqual({
      status: 'missing',
      reason: 'a history of seizure has not been recorded as present or absent',
    });
  });

  it('asks a sex-specific condition only of that sex', () => {
    const pregnant = exclusion('pregnant', 'Pregnant women', onlyForSex(['female'], conditionPresent('pregnant', 'pregnancy')));
    expect(check(pregnant, {}, { patient: { birthDate: '1990-06-15', sex: 'male' } })).toEqual({ status: 'met' });
    expect(check(pregnant, {}).status).toBe('missing');
    expect(check(pregnant, { conditions: { pregnant: true } })).toEqual({ status: 'unmet', reason: 'pregnancy is recorded' });
  });
});

describe('age', () => {
  const adults = inclusion('age', 'Aged 18 to 70', ageBetween(18, 70));
  const bornOn = (birthDate: string, asOf: string) => check(adults, {}, { patient: { birthDate, sex: 'male' }, asOf });

  it('counts a birthday on the day itself, not the day before', () => {
    expect(bornOn('2008-03-02', '2026-03-01T23:59:59Z')).toEqual({
      status: 'unmet',
      reason: 'age 17 is below the minimum of 18 years',
    });
    expect(bornOn('2008-03-02', '2026-03-02T00:00:00Z')).toEqual({ status: 'met' });
    expect(bornOn('1955-03-02', '2026-03-01T12:00:00Z')).toEqual({ status: 'met' }); // still 70
    expect(bornOn('1955-03-02', '2026-03-02T12:00:00Z')).toEqual({
      status: 'unmet',
      reason: 'age 71 is above the maximum of 70 years',
    });
  });

  it('takes the date as written in the event, in its own offset', () => {
    expect(ageOn('2008-03-02', '2026-03-02T00:30:00+02:00')).toBe(18); // 2026-03-01T22:30Z
    expect(ageOn('2008-03-02', '2026-03-01T23:30:00-05:00')).toBe(17); // 2026-03-02T04:30Z
  });

  it('has a leap-day birthday pass on the first of March in common years', () => {
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
    expect(ageOn('2008-02-29', '2028-02-29')).toBe(20);
  });

  it('calls an unreadable birth date missing', () => {
    expect(bornOn('15/06/1990', '2026-03-02')).toEqual({
      status: 'missing',
      reason: 'a valid date of birth has not been recorded',
    });
    expect(ageOn('1990-02-30', '2026-03-02')).toBeUndefined();
    expect(() => ageOn('1990-06-15', 'yesterday')).toThrow(RangeError);
  });
});

describe('attestations', () => {
  const survival = { id: 'survival-over-3-months', statement: "The patient's estimated survival is longer than 3 months." };
  const judged = attestation('survival', 'inclusion', 'survival > 3 months (investigator)', survival);
  const judgedAndChecked = attestation(
    'survival',
    'inclusion',
    'survival > 3 months (investigator)',
    survival,
    numberAbove({ path: 'lifeExpectancyWeeks', label: 'life expectancy', unit: 'weeks', limit: 13 }),
  );

  it('is met only when the sign-off carries it', () => {
    expect(check(judged, {}, { attestations: ['survival-over-3-months'] })).toEqual({ status: 'met' });
    expect(check(judged, {}, { attestations: ['something-else'] })).toEqual({
      status: 'missing',
      reason: "the investigator has not attested that the patient's estimated survival is longer than 3 months",
    });
  });

  it('also checks recorded data when asked to', () => {
    const attested = { attestations: ['survival-over-3-months'] };
    expect(check(judgedAndChecked, {}, attested)).toEqual({ status: 'met' });
    expect(check(judgedAndChecked, { lifeExpectancyWeeks: 14 }, attested)).toEqual({ status: 'met' });
    expect(check(judgedAndChecked, { lifeExpectancyWeeks: 13 }, attested)).toEqual({
      status: 'unmet',
      reason: 'life expectancy 13 weeks is not above 13 weeks',
    });
    expect(check(judgedAndChecked, { lifeExpectancyWeeks: 14 })).toMatchObject({ status: 'missing' });
  });
});

describe('evaluateEligibility', () => {
  const criteria: Criterion[] = [
    inclusion('creatinine', 'creatinine < 1.6 mg/dL', numberBelow(creatinine)),
    inclusion('cd19', 'CD19+', markerPositive('CD19')),
    exclusion('seizure', 'With history of seizure', conditionPresent('seizureHistory', 'a history of seizure')),
    attestation('judgement', 'exclusion', 'Other contraindications', { id: 'no-other', statement: 'Nothing else' }),
  ];

  it('lists every criterion and gives one reason per unmet or missing one, in order', () => {
    const result = evaluateEligibility(criteria, input({ labs: { creatinineMgDl: 2 }, conditions: { seizureHistory: false } }, { attestations: ['no-other'] }));
    expect(result).toEqual({
      eligible: false,
      results: [
        {
          id: 'creatinine',
          kind: 'inclusion',
          text: 'creatinine < 1.6 mg/dL',
          status: 'unmet',
          reason: 'creatinine 2 mg/dL is not below 1.6 mg/dL',
        },
        { id: 'cd19', kind: 'inclusion', text: 'CD19+', status: 'missing', reason: 'CD19 status has not been recorded' },
        { id: 'seizure', kind: 'exclusion', text: 'With history of seizure', status: 'met' },
        { id: 'judgement', kind: 'exclusion', text: 'Other contraindications', status: 'met' },
      ],
      reasons: ['creatinine 2 mg/dL is not below 1.6 mg/dL', 'CD19 status has not been recorded'],
    });
  });

  it('is eligible exactly when there is no reason', () => {
    const screening = fc.record(
      {
        labs: fc.record({ creatinineMgDl: fc.double({ min: 0, max: 5, noNaN: true }) }, { requiredKeys: [] }),
        markers: fc.record(
          { CD19: fc.constantFrom('positive' as const, 'negative' as const, 'dim' as const, 'unknown' as const) },
          {
            requiredKeys: [],
          },
        ),
        conditions: fc.record({ seizureHistory: fc.boolean() }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(screening, fc.subarray(['no-other', 'other']), (recorded, attestations) => {
        const result = evaluateEligibility(criteria, input(recorded, { attestations }));
        expect(result.eligible).toBe(result.reasons.length === 0);
        expect(result.reasons).toHaveLength(result.results.filter((r) => r.status !== 'met').length);
      }),
    );
  });
});

describe('describeCriteria', () => {
  it('gives a JSON-able list with rules and attestation ids', () => {
    const described = describeCriteria([
      inclusion('creatinine', 'creatinine < 1.6 mg/dL', numberBelow(creatinine)),
      attestation('judgement', 'exclusion', 'Other contraindications', { id: 'no-other', statement: 'Nothing else' }),
    ]);
    expect(described).toEqual([
      { id: 'creatinine', kind: 'inclusion', text: 'creatinine < 1.6 mg/dL', rule: 'creatinine below 1.6 mg/dL' },
      {
        id: 'judgement',
        kind: 'exclusion',
        text: 'Other contraindications',
        attestation: 'no-other',
        attestationStatement: 'Nothing else',
      },
    ]);
    expect(JSON.parse(JSON.stringify(described))).toEqual(described);
  });

  it('refuses an empty alternative or conjunction', () => {
    expect(() => anyOf([])).toThrow(RangeError);
    expect(() => allOf([])).toThrow(RangeError);
  });

  it('writes composite rules with their grouping', () => {
    const rule = anyOf([
      numberAtLeast({ path: 'karnofsky', label: 'Karnofsky', limit: 60 }),
      allOf([numberAtMost({ path: 'ecog', label: 'ECOG', limit: 2 }), markerPositive('CD19')]),
    ]).rule;
    expect(rule).toBe('Karnofsky at least 60 or (ECOG at most 2 and CD19 positive)');
  });
});

describe('what a holding condition says, and how each rule is written', () => {
  const excluded = (condition: Parameters<typeof exclusion>[2], screening: ScreeningData, more?: Partial<EligibilityInput>) =>
    check(exclusion('x', 'x', condition), screening, more);

  it('names the finding that holds when an exclusion on it is unmet', () => {
    expect(excluded(markerPositive('CD19'), { markers: { CD19: 'positive' } })).toEqual({ status: 'unmet', reason: 'CD19 is positive' });
    expect(excluded(diagnosisIs(['B-ALL', 'B-NHL']), { diagnosis: 'B-NHL' })).toEqual({ status: 'unmet', reason: 'the diagnosis is B-NHL' });
    expect(excluded(ageBetween(18, 70), {})).toEqual({ status: 'unmet', reason: 'age 35 is within 18–70 years' });
  });

  it('asks a condition of the named sexes only, naming them and the patient’s', () => {
    const forWomen = onlyForSex(['female', 'other'], conditionPresent('pregnant', 'pregnancy'));
    expect(forWomen.rule).toBe('pregnancy present (female or other patients)');
    expect(check(inclusion('x', 'x', forWomen), {}, { patient: { birthDate: '1990-06-15', sex: 'male' } })).toEqual({
      status: 'unmet',
      reason: "this applies only to female or other patients, and the patient's sex is male",
    });
  });

  it('says why an empty alternative or conjunction is refused', () => {
    expect(() => anyOf([])).toThrow(new RangeError('anyOf needs at least one alternative'));
    expect(() => allOf([])).toThrow(new RangeError('allOf needs at least one part'));
  });

  it('keeps each recorded failure of an alternative that is partly not recorded', () => {
    const either = inclusion('x', 'x', anyOf([numberAtMost({ path: 'ecog', label: 'ECOG', limit: 2 }), allOf([markerPositive('CD19'), markerPositive('CD22')])]));
    expect(check(either, { ecog: 3, markers: { CD19: 'dim' } })).toEqual({
      status: 'unmet',
      reason: 'ECOG 3 is above 2 and CD19 is dim, not positive',
    });
    expect(check(either, { ecog: 3, markers: { CD19: 'positive' } })).toEqual({
      status: 'unmet',
      reason: 'ECOG 3 is above 2, and CD22 status has not been recorded',
    });
  });

  it('states each criterion’s kind in the results and the description, and leaves out a rule it has not', () => {
    const criteria = [
      exclusion('seizure', 'History of seizure', conditionPresent('seizureHistory', 'a history of seizure')),
      attestation('judgement', 'inclusion', 'Investigator judgement', { id: 'ok', statement: 'All is well.' }),
    ];
    expect(evaluateEligibility(criteria, input({ conditions: { seizureHistory: false } }, { attestations: ['ok'] })).results).toEqual([
      { id: 'seizure', kind: 'exclusion', text: 'History of seizure', status: 'met' },
      { id: 'judgement', kind: 'inclusion', text: 'Investigator judgement', status: 'met' },
    ]);
    const described = describeCriteria(criteria);
    expect(described[0]).toEqual({ id: 'seizure', kind: 'exclusion', text: 'History of seizure', rule: 'a history of seizure present' });
    expect(Object.keys(described[1])).toEqual(['id', 'kind', 'text', 'attestation', 'attestationStatement']);
  });

  it('takes an attestation statement into a sentence: trimmed, without its full stop, its first word lower case', () => {
    const reason = (statement: string) => (check(attestation('a', 'inclusion', 'a', { id: 'a', statement }), {}) as { reason: string }).reason;
    expect(reason('  The patient tolerates e.g. fludarabine.  ')).toBe('the investigator has not attested that the patient tolerates e.g. fludarabine');
    expect(reason('CNS disease is Absent.')).toBe('the investigator has not attested that CNS disease is Absent');
    expect(reason('no active GVHD')).toBe('the investigator has not attested that no active GVHD');
  });
});

describe('dates of birth and assessment', () => {
  it('counts a birthday not yet reached in an earlier month of the year', () => {
    expect(ageOn('1991-07-14', '2026-03-20')).toBe(34);
    expect(ageOn('1991-07-14', '2026-08-01')).toBe(35);
  });

  it('reads a birth date only as a whole YYYY-MM-DD date that exists', () => {
    expect(ageOn('1991-07-14T10:00:00Z', '2026-03-02')).toBeUndefined();
    expect(ageOn('1991-13-01', '2026-03-02')).toBeUndefined();
    expect(ageOn('1991-00-10', '2026-03-02')).toBeUndefined();
  });

  it('refuses an assessment date that does not start with a date, naming it', () => {
    expect(() => ageOn('1990-06-15', 'on 2026-03-02')).toThrow(new RangeError('eligibility date must be an ISO date or datetime, got "on 2026-03-02"'));
  });

  it('takes a number that is not finite as not recorded', () => {
    const ecog = inclusion('ecog', 'ECOG ≤ 2', numberAtMost({ path: 'ecog', label: 'ECOG', limit: 2 }));
    expect(check(ecog, { ecog: Number.NaN })).toEqual({ status: 'missing', reason: 'ECOG has not been recorded' });
    expect(check(ecog, { ecog: Number.NEGATIVE_INFINITY })).toEqual({ status: 'missing', reason: 'ECOG has not been recorded' });
  });
});
