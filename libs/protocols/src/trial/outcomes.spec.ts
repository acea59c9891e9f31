import { cd19RrAllV1 } from '../cd19-rr-all/protocol';
import { cd20Cd22V1 } from '../cd20-cd22/protocol';
import { nct03754764V1 } from '../nct03754764-cd38/protocol';
import { nct04546906V1 } from '../nct04546906-cd22/protocol';
import { addDays } from '../lifecycle/clinical-time';
import { patientFacts, type LoggedEvent, type PatientFacts, type PatientLog } from './patient-facts';
import { outcomesOf, trialOutcomes } from './outcomes';
import { deepFreeze } from './deep-freeze';

const T0 = '2026-01-01T00:00:00.000Z';
const day = (d: number) => addDays(T0, d);
const ev = (type: string, d: number, data: Record<string, unknown> = {}): LoggedEvent => ({ type, occurredAt: day(d), data });
const log = (patientId: string, events: LoggedEvent[]): PatientLog => ({ patientId, cohort: null, birthDate: '1990-01-01', events });
const findings = { circulatingBlasts: false, extramedullary: false };
const lab = (code: string, d: number, value: number, compartment = 'PB') => ev('LAB_RESULT_RECORDED', d, { code, compartment, value, unit: 'u', collectedAt: day(d) });
const ae = (d: number, data: Record<string, unknown>) => ev('ADVERSE_EVENT_REPORTED', d, { onset: day(d), related: true, serious: false, ...data });

// Four infused patients whose outcomes are worked out by hand below.
const logs = [
  log('p1', [
    ev('INFUSION_COMPLETED', 0),
    ae(2, { term: 'Cytokine release syndrome', crs: { temperatureC: 39, hypotension: true, vasopressors: 0, oxygen: 'none' } }),
    // reported as grade 3, corrected the next day to grade 1 (same term and onset): the last report counts
    ae(3, { term: 'Hypotension', grade: 3 }),
    ae(4, { term: 'hypotension', grade: 1, onset: day(3) }),
    lab('IL6', 3, 50),
    lab('IL6', 7, 200),
    lab('CAR_COPIES', 7, 1000),
    lab('CAR_COPIES', 14, 3000),
    lab('CAR_COPIES', 28, 500),
    lab('CAR_COPIES', 28, 500),
    ev('RESPONSE_ASSESSED', 28, { visit: 'D28', ...findings, marrowBlastsPct: 1, anc: 1.5, platelets: 150, mrdPct: 0.001 }),
    // a molecular relapse: an EFS event, not progression (PFS, DOR)
    ev('PROGRESSION_OR_RELAPSE', 120, { kind: 'mrd' }),
    ev('VISIT_COMPLETED', 180, { visit: 'M6' }),
  ]),
  log('p2', [
    ev('INFUSION_COMPLETED', 0),
    ae(10, { term: 'Hepatic failure', grade: 3 }),
    ev('RESPONSE_ASSESSED', 28, { visit: 'D28', ...findings, marrowBlastsPct: 2, anc: 0.5, platelets: 40 }),
    ev('PROGRESSION_OR_RELAPSE', 90, { kind: 'morphologic' }),
    ev('DEATH', 150, { cause: 'disease' }),
  ]),
  log('p3', [
    ev('INFUSION_COMPLETED', 0),
    ae(5, { term: 'Hepatic failure', grade: 2 }),
    ae(6, { term: 'hepatic failure', grade: 4 }),
    ev('RESPONSE_ASSESSED', 28, { visit: 'D28', ...findings, marrowBlastsPct: 40, anc: 0.2, platelets: 20 }),
    ev('DEATH', 60, { cause: 'disease' }),
  ]),
  log('p4', [ev('INFUSION_COMPLETED', 0), ev('WITHDRAWN', 20, { reason: 'patient decision' })]),
];

describe('trial outcomes', () => {
  const outcomes = trialOutcomes(cd19RrAllV1, logs, day(365));

  it('counts responses: ORR 2/4 (CR + CRi), MRD-negative ORR 1/4, and the best-response table', () => {
    expect(outcomes.response.orr).toMatchObject({ successes: 2, n: 4, rate: 0.5 });
    expect(outcomes.response.mrdNegativeOrr).toMatchObject({ successes: 1, n: 4, rate: 0.25 });
    expect(outcomes.response.bestResponse).toEqual(
      expect.arrayContaining([
        { response: 'CR', patients: 1 },
        { response: 'CRi', patients: 1 },
        { response: 'NR', patients: 1 },
        { response: 'not assessed', patients: 1 },
      ]),
    );
  });

  it('estimates OS by Kaplan–Meier with censoring at the last contact: 2/3 after day 60, 1/3 after day 150, median 150', () => {
    // At risk at day 60: p1, p2, p3 (p4 censored at day 20) → 2/3; at day 150: p1, p2 → 2/3 × 1/2.
    const os = outcomes.survival.os!;
    expect(os.points.filter((pt) => pt.events > 0).map((pt) => [pt.time, pt.atRisk, Number(pt.survival.toFixed(4))])).toEqual([
      [60, 3, 0.6667],
      [150, 2, 0.3333],
    ]);
    expect(os.median).toBe(150);
  });

  it('counts a morphologic relapse as a PFS and EFS event (median 90), an MRD relapse as an EFS event only', () => {
    expect(outcomes.survival.pfs!.median).toBe(90);
    expect(outcomes.survival.efs!.median).toBe(90);
    // PFS: p3 dies at day 60 (3 at risk), p2 relapses at day 90 (p1, p2 at risk); p1 is censored at day 180.
    const events = (estimate: typeof outcomes.survival.pfs) => estimate!.points.filter((pt) => pt.events > 0).map((pt) => [pt.time, pt.atRisk, Number(pt.survival.toFixed(4))]);
    expect(events(outcomes.survival.pfs)).toEqual([
      [60, 3, 0.6667],
      [90, 2, 0.3333],
    ]);
    // EFS adds p1's MRD relapse at day 120, the last patient at risk.
    expect(events(outcomes.survival.efs)).toEqual([
      [60, 3, 0.6667],
      [90, 2, 0.3333],
      [120, 1, 0],
    ]);
  });

  it('times duration of response from the first response to progression or death', () => {
    // p1 responds at day 28, censored at day 180 (152 days: its MRD relapse is not progression); p2 responds
    // at day 28, relapses at day 90 (62 days).
    const dor = outcomes.survival.dor!;
    expect(dor.points.filter((pt) => pt.events > 0).map((pt) => pt.time)).toEqual([62]);
    expect(dor.n).toBe(2);
  });

  it('tables AEs by term and worst grade per participant, and CRS by ASTCT grade', () => {
    const hepatic = outcomes.safety.adverseEventsByTerm.find((t) => t.term === 'hepatic failure')!;
    expect(hepatic.byWorstGrade.filter((g) => g.patients > 0)).toEqual([
      { grade: 3, patients: 1 },
      { grade: 4, patients: 1 },
    ]);
    expect(outcomes.safety.participantsWithGrade3OrWorse).toBe(2);
    const hypotension = outcomes.safety.adverseEventsByTerm.find((t) => t.term === 'hypotension')!;
    expect(hypotension.byWorstGrade.filter((g) => g.patients > 0)).toEqual([{ grade: 1, patients: 1 }]);
    expect(outcomes.safety.crsByGrade.find((g) => g.grade === 2)).toEqual({ grade: 2, patients: 1 });
  });

  it("counts safety over the treated (infused) patients only: an AE before a never-given infusion is not the product's", () => {
    const never = log('p5', [ae(-3, { term: 'Febrile neutropenia', grade: 4 }), ev('WITHDRAWN', 5, { reason: 'manufacturing failed' })]);
    const withNever = trialOutcomes(cd19RrAllV1, [...logs, never], day(365));
    expect(withNever.participants).toBe(5);
    expect(withNever.safety.treated).toBe(4);
    expect(withNever.safety.participantsWithGrade3OrWorse).toBe(2);
    expect(withNever.safety.adverseEventsByTerm.find((t) => t.term === 'febrile neutropenia')).toBeUndefined();
  });

  it('computes CAR-T kinetics by the trapezoid rule, counting a duplicated result once, and cytokine peaks', () => {
    // From (day 0, 0): (0 + 1000) / 2 × 7 + (1000 + 3000) / 2 × 7 + (3000 + 500) / 2 × 14 = 3 500 + 14 000 + 24 500 = 42 000 copies × days.
    expect(outcomes.kinetics.perPatient).toEqual([
      {
        patientId: 'p1',
        compartment: 'PB',
        cmax: 3000,
        tmax: 14,
        auc: 42_000,
        samples: 3,
        // The curve a plot draws: one value per study day, in day order.
        curve: [
          { day: 7, value: 1000 },
          { day: 14, value: 3000 },
          { day: 28, value: 500 },
        ],
      },
    ]);
    expect(outcomes.kinetics.cytokinePeaks.find((c) => c.code === 'IL6')).toMatchObject({ patients: 1, medianPeak: 200 });
  });

  it('takes the kinetics medians over the patients with a sample by day 28, and says how many those are', () => {
    const late = log('p6', [ev('INFUSION_COMPLETED', 0), lab('CAR_COPIES', 60, 80)]);
    const second = log('p7', [ev('INFUSION_COMPLETED', 0), lab('CAR_COPIES', 7, 9000), lab('CAR_COPIES', 28, 1000)]);
    const k = trialOutcomes(cd19RrAllV1, [...logs, late, second], day(365)).kinetics;
    // Only a day-60 sample: listed without an area (not an area of 0), and out of the medians.
    expect(k.perPatient.find((r) => r.patientId === 'p6')).toMatchObject({ samples: 0, cmax: null, tmax: null, auc: null });
    // p1: AUC 42 000; p7: (0 + 9000) / 2 × 7 + (9000 + 1000) / 2 × 21 = 31 500 + 105 000 = 136 500.
    expect(k.summary).toEqual([{ compartment: 'PB', patients: 2, withoutSamples: 1, medianCmax: 6000, medianTmax: 10.5, medianAuc0to28: 89_250 }]);
  });

  it('reads the log as of a date: before day 60 nobody has died', () => {
    const early = trialOutcomes(cd19RrAllV1, logs, day(59));
    expect(early.survival.os!.points.filter((pt) => pt.events > 0)).toEqual([]);
  });
});

describe('objective responses', () => {
  const facts = (patientId: string, responses: PatientFacts['responses']): PatientFacts => ({
    patientId,
    cohort: null,
    site: null,
    infusedAt: T0,
    product: {
      attempts: 0,
      remanufactures: [],
      releasedOutOfSpecification: false,
      bridged: false,
      apheresisAt: null,
      releasedAt: null,
      manufacturingFailed: null,
      leftBeforeInfusion: null,
    },
    responses,
    progressionAt: null,
    relapseAt: null,
    deathAt: null,
    lastContactAt: day(90),
    adverseEvents: [],
    labs: [],
    icaht: null,
    dataIssues: [],
  });
  const group = [
    facts('cr', [{ at: day(28), response: 'CR', mrdNegative: true }]),
    facts('cri', [{ at: day(28), response: 'CRi', mrdNegative: false }]),
    facts('pr', [{ at: day(28), response: 'PR', mrdNegative: true }]),
    // MRD-negative only on an assessment without remission
    facts('nr', [
      { at: day(28), response: 'CRi', mrdNegative: false },
      { at: day(90), response: 'NR', mrdNegative: true },
    ]),
  ];

  it('counts CR + CRi as the ALL ORR where the record says so (CD20/CD22), CR + CRi + PR where the protocol records a PR (NCT03754764)', () => {
    expect(outcomesOf(cd20Cd22V1, group).response).toMatchObject({ objectiveResponses: ['CR', 'CRi'], orr: { successes: 3, n: 4 } });
    expect(outcomesOf(nct03754764V1, group).response).toMatchObject({ objectiveResponses: ['CR', 'CRi', 'PR'], orr: { successes: 4, n: 4 } });
  });

  it('counts only an MRD-negative CR or CRi as an MRD-negative response', () => {
    expect(outcomesOf(cd20Cd22V1, group).response.mrdNegativeOrr).toMatchObject({ successes: 1, n: 4 });
  });
});

describe('landmark rates: response at the time points the record names', () => {
  const at = (d: number) => day(d);
  const patient = (patientId: string, responses: PatientFacts['responses'], events: Partial<Pick<PatientFacts, 'progressionAt' | 'deathAt'>> = {}): PatientFacts => ({
    patientId,
    cohort: null,
    site: null,
    infusedAt: T0,
    product: {
      attempts: 0,
      remanufactures: [],
      releasedOutOfSpecification: false,
      bridged: false,
      apheresisAt: null,
      releasedAt: null,
      manufacturingFailed: null,
      leftBeforeInfusion: null,
    },
    responses,
    progressionAt: events.progressionAt ?? null,
    relapseAt: events.progressionAt ?? null,
    deathAt: events.deathAt ?? null,
    lastContactAt: at(120),
    adverseEvents: [],
    labs: [],
    icaht: null,
    dataIssues: [],
  });
  // NCT04546906: remission rate at 3 months (M3, day 90 ± 7).
  const group = [
    patient('cr-at-m3', [
      { at: at(28), response: 'CR', visit: 'D28' },
      { at: at(90), response: 'CR', visit: 'M3' },
    ]),
    // A day-28 CR that relapsed before month 3: not a month-3 remission, though its best response is CR.
    patient('relapsed', [{ at: at(28), response: 'CR', visit: 'D28' }], { progressionAt: at(70) }),
    patient('nr-at-m3', [
      { at: at(28), response: 'CRi', visit: 'D28' },
      { at: at(92), response: 'NR', visit: 'M3' },
    ]),
    patient('died', [], { deathAt: at(40) }),
    // Assessed on the last day of the window (day 97): counts.
    patient('late-in-window', [{ at: at(97), response: 'CRi', visit: 'M3' }]),
    // Never assessed at M3 and nothing happened: not evaluable.
    patient('missed', [{ at: at(28), response: 'CR', visit: 'D28' }]),
  ];

  it('counts a remission at the landmark, not the best response to date', () => {
    const outcomes = outcomesOf(nct04546906V1, group, undefined, [], at(120));
    expect(outcomes.response.orr).toMatchObject({ successes: 5, n: 6 });
    expect(outcomes.response.landmarks).toEqual([
      {
        visit: 'M3',
        day: 90,
        measure: 'Remission rate (CR, CRi) at 3 months post infusion',
        rate: expect.objectContaining({ successes: 2, n: 5 }),
        notYetDue: 0,
        notAssessed: 1,
      },
    ]);
  });

  it('leaves a patient whose landmark window is still open as not yet due, on the last day of the window included', () => {
    const outcomes = outcomesOf(nct04546906V1, [patient('waiting', [{ at: at(28), response: 'CR', visit: 'D28' }])], undefined, [], at(97));
    expect(outcomes.response.landmarks[0]).toMatchObject({ rate: { successes: 0, n: 0 }, notYetDue: 1, notAssessed: 0 });
    const closed = outcomesOf(nct04546906V1, [patient('waiting', [{ at: at(28), response: 'CR', visit: 'D28' }])], undefined, [], at(98));
    expect(closed.response.landmarks[0]).toMatchObject({ notYetDue: 0, notAssessed: 1 });
  });

  it('counts only an MRD-negative remission where the measure asks for one (cd19-rr-all, day 28)', () => {
    const d28 = [
      patient('mrd-neg', [{ at: at(28), response: 'CR', visit: 'D28', mrdNegative: true }]),
      patient('mrd-pos', [{ at: at(28), response: 'CRi', visit: 'D28', mrdNegative: false }]),
    ];
    const [remission, mrdNegative] = outcomesOf(cd19RrAllV1, d28, undefined, [], at(60)).response.landmarks;
    expect(remission).toMatchObject({ measure: 'Remission (CR, CRi) at day 28', rate: { successes: 2, n: 2 } });
    expect(mrdNegative).toMatchObject({ mrdNegative: true, rate: { successes: 1, n: 2 } });
  });
});

describe('a trial whose cohorts differ in response criteria (CD20/CD22: B-ALL by ALL, B-NHL by Lugano)', () => {
  const patient = (patientId: string, cohort: string, events: LoggedEvent[]): PatientLog => ({ ...log(patientId, events), cohort });
  const lugano = (d: number, data: Record<string, unknown>) => ev('RESPONSE_ASSESSED', d, { visit: 'W4', newLesion: false, ...data });
  const mixed = [
    // B-NHL: a partial response (Deauville 4, SPD −60 %), stable disease, progression
    patient('nhl-pr', 'B-NHL', [ev('INFUSION_COMPLETED', 0), lugano(28, { deauville: 4, uptakeReducedFromBaseline: true, spdChangePct: -60 })]),
    patient('nhl-sd', 'B-NHL', [ev('INFUSION_COMPLETED', 0), lugano(28, { deauville: 4, spdChangePct: -20 })]),
    patient('nhl-pd', 'B-NHL', [ev('INFUSION_COMPLETED', 0), lugano(28, { deauville: 5, newLesion: true })]),
    // B-ALL: an MRD-negative CR, and no response
    patient('all-cr', 'B-ALL', [
      ev('INFUSION_COMPLETED', 0),
      ev('RESPONSE_ASSESSED', 28, { visit: 'D28', ...findings, marrowBlastsPct: 1, anc: 1.5, platelets: 150, mrdPct: 0.001 }),
    ]),
    patient('all-nr', 'B-ALL', [ev('INFUSION_COMPLETED', 0), ev('RESPONSE_ASSESSED', 28, { visit: 'D28', ...findings, marrowBlastsPct: 40, anc: 0.2, platelets: 20 })]),
  ];
  const outcomes = trialOutcomes(cd20Cd22V1, mixed, day(60));

  it('counts each patient by its own cohort: the B-NHL PR is a response at trial level too', () => {
    const nhl = outcomes.cohorts.find((c) => c.cohort === 'B-NHL')!;
    expect(nhl.response).toMatchObject({ criteria: 'LUGANO_2014', orr: { successes: 1, n: 3 }, dcr: { successes: 2, n: 3 } });
    // Before, the trial level applied ALL's CR + CRi to everyone: ORR 1/5, the PR lost.
    expect(outcomes.response).toMatchObject({
      criteria: 'BY_COHORT',
      criteriaByCohort: { 'B-NHL': 'LUGANO_2014', 'B-ALL': 'ALL' },
      objectiveResponses: ['CR', 'CRi', 'PR'],
      orr: { successes: 2, n: 5 },
    });
    expect(outcomes.survival.dor!.points.length).toBeGreaterThan(0);
  });

  it('gives the MRD-negative ORR over the ALL-criteria patients and the DCR over the Lugano ones', () => {
    expect(outcomes.response.mrdNegativeOrr).toMatchObject({ successes: 1, n: 2 });
    expect(outcomes.response.dcr).toMatchObject({ successes: 2, n: 3 });
  });

  it('keeps a single-criteria trial as it was: no BY_COHORT, MRD-negative ORR over every infused patient', () => {
    const single = trialOutcomes(cd19RrAllV1, logs, day(365)).response;
    expect(single.criteria).toBe('ALL');
    expect(single).not.toHaveProperty('criteriaByCohort');
    expect(single).not.toHaveProperty('dcr');
  });
});

describe('ICAHT in the safety tables', () => {
  const daily = (from: number, to: number, value: number) => Array.from({ length: to - from + 1 }, (_, i) => lab('ANC', from + i, value));
  const icahtLogs = [
    // Early: 10 days ≤ 500/µL (day 1–10), of which 7 ≤ 100/µL (day 2–8): grade 3. Late: 0.9 on day 45 and day 60: grade 2.
    log('a', [
      ev('INFUSION_COMPLETED', 0),
      lab('ANC', 0, 2.0),
      lab('ANC', 1, 0.4),
      ...daily(2, 8, 0.05),
      lab('ANC', 9, 0.3),
      lab('ANC', 10, 0.3),
      ...daily(11, 30, 1.6),
      lab('ANC', 45, 0.9),
      lab('ANC', 60, 0.9),
    ]),
    // Early: day 3 and day 5 sampled at 400/µL, day 4 between them: 3 days, grade 1. No late count: grade 0.
    log('b', [ev('INFUSION_COMPLETED', 0), lab('ANC', 0, 2.0), lab('ANC', 3, 0.4), lab('ANC', 5, 0.4), ...daily(6, 30, 2.0)]),
    // A marrow ANC is not the blood count ICAHT reads: no ICAHT.
    log('c', [ev('INFUSION_COMPLETED', 0), lab('ANC', 3, 0.1, 'BM')]),
    // Progression on day 5 censors: 5 days ≤ 500 (day 1–5) count, the rest does not.
    log('d', [ev('INFUSION_COMPLETED', 0), lab('ANC', 0, 2.0), ...daily(1, 20, 0.3), ev('PROGRESSION_OR_RELAPSE', 5, { kind: 'morphologic' })]),
  ];
  const { safety } = trialOutcomes(cd19RrAllV1, icahtLogs, day(365));

  it('counts patients by early and late ICAHT grade, of those with a blood ANC', () => {
    expect(safety.icaht).toEqual({
      patientsWithAnc: 3,
      earlyByGrade: [
        { grade: 1, patients: 2 },
        { grade: 2, patients: 0 },
        { grade: 3, patients: 1 },
        { grade: 4, patients: 0 },
      ],
      lateByGrade: [
        { grade: 1, patients: 0 },
        { grade: 2, patients: 1 },
        { grade: 3, patients: 0 },
        { grade: 4, patients: 0 },
      ],
    });
  });
});

describe('the lab summaries kept across reads', () => {
  const asOf = day(365);
  const named = (o: ReturnType<typeof outcomesOf>) => ({
    kinetics: o.kinetics.perPatient.map((k) => [k.patientId, k.cmax]),
    il6: o.kinetics.cytokinePeaks.find((c) => c.code === 'IL6')!.peaks.map((x) => [x.patientId, x.peak]),
  });

  it('name the patient whose facts they are read for, never the one they were first computed for', () => {
    // Two patients' frozen facts holding one list of results (as a read model's may): one summary, two names.
    const p1 = deepFreeze(patientFacts(cd19RrAllV1, logs[0], asOf));
    const other = deepFreeze({ ...p1, patientId: 'other' });
    expect(other.labs).toBe(p1.labs);
    const expected = { kinetics: [['p1', 3000]], il6: [['p1', 200]] };
    const expectedOther = { kinetics: [['other', 3000]], il6: [['other', 200]] };
    expect(named(outcomesOf(cd19RrAllV1, [p1]))).toEqual(expected);
    expect(named(outcomesOf(cd19RrAllV1, [other]))).toEqual(expectedOther);
    expect(named(outcomesOf(cd19RrAllV1, [other, p1]))).toEqual({
      kinetics: [...expectedOther.kinetics, ...expected.kinetics],
      il6: [...expectedOther.il6, ...expected.il6],
    });
    // What is shared cannot be changed by a reader.
    const row = outcomesOf(cd19RrAllV1, [p1]).kinetics.perPatient[0];
    expect(Object.isFrozen(row.curve)).toBe(true);
  });

  it('summarise afresh a list of results that is not frozen, which may have changed since', () => {
    const facts = patientFacts(cd19RrAllV1, logs[0], asOf);
    expect(named(outcomesOf(cd19RrAllV1, [facts])).il6).toEqual([['p1', 200]]);
    facts.labs.push({ code: 'IL6', compartment: 'PB', day: 9, value: 900, unit: 'u' });
    expect(named(outcomesOf(cd19RrAllV1, [facts])).il6).toEqual([['p1', 900]]);
  });
});
