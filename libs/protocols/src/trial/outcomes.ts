import type { LifecycleSpec } from '../lifecycle/spec';
import { carTKinetics, kaplanMeier, median, proportion, type SurvivalObservation } from '../statistics';
import { bestResponse, CYTOKINE_CODES, daysBetween, patientFacts, type PatientFacts, type PatientLog } from './patient-facts';
import { type DataIssue, messageOf, unreadableEntry } from './data-issues';
import { veinToVein } from './vein-to-vein';
import { deepFreeze } from './deep-freeze';

/** An ALL remission (docs/clinical.md, section "Response"): the responses an MRD-negative response must be. */
const ALL_REMISSION = ['CR', 'CRi'];

/**
 * The responses the trial's ORR counts (docs/clinical.md, section "Endpoints"): CR + PR by Lugano 2014; in ALL,
 * CR + CRi (the CD20/CD22 record: "ORR = CR + CRi"), with PR added only where the protocol records a
 * PR in ALL as its own response (`extraResponses`, NCT03754764: "complete remission and partial remission").
 */
function objectiveResponses(spec: LifecycleSpec): string[] {
  if (spec.responseCriteria === 'LUGANO_2014') return ['CR', 'PR'];
  return spec.extraResponses?.includes('PR') ? [...ALL_REMISSION, 'PR'] : ALL_REMISSION;
}

/** Time to an event from infusion, censored at the last contact when the event has not happened. */
function timeToEvent(p: PatientFacts, eventAt: string | null, from = p.infusedAt): SurvivalObservation | null {
  if (!from) return null;
  return eventAt ? { time: daysBetween(from, eventAt), event: true } : { time: daysBetween(from, p.lastContactAt), event: false };
}

/**
 * One value per study day, as the trapezoid needs: of several results on one day (a result posted
 * twice, or two samples drawn that day) the last collected counts, of two collected at the same time
 * the later recording (the facts list them in that order).
 */
function onePerStudyDay(labs: Array<{ day: number; value: number }>) {
  return [...new Map(labs.map((l) => [l.day, { day: l.day, value: l.value }])).values()];
}

const firstOf = (...ats: Array<string | null>) => ats.filter((a): a is string => a !== null).sort()[0] ?? null;

function survival(observations: Array<SurvivalObservation | null>) {
  const data = observations.filter((o): o is SurvivalObservation => o !== null);
  return data.length ? kaplanMeier(data) : null;
}

const RESPONSE_ORDER = ['CR', 'CRi', 'PR'];

/**
 * The response at a landmark the record names (docs/clinical.md, section "Landmark rates"): of the
 * infused patients, a responder is assessed at the landmark's visit with a response the trial counts
 * (MRD-negative where the measure asks it), with no progression, clinical relapse or death before;
 * a progression, relapse or death on or before the landmark day, or an assessment there that is not a
 * response, is a non-responder. A patient not assessed there is not evaluable: still to come while the
 * visit's window is open (or not reached), missed once it closed. A day-28 CR that relapsed before
 * month 3 is not a month-3 remission, whatever its best response.
 */
function landmarkRates(spec: LifecycleSpec, infused: Array<{ p: PatientFacts; objective: string[] }>, asOf: string) {
  return (spec.responseLandmarks ?? []).map((landmark) => {
    const visit = spec.schedule.find((v) => v.name === landmark.visit)!;
    let responders = 0;
    let nonResponders = 0;
    let notYetDue = 0;
    let notAssessed = 0;
    for (const { p, objective } of infused) {
      const day = (at: string) => daysBetween(p.infusedAt!, at);
      const ended = firstOf(p.progressionAt, p.deathAt);
      const assessed = p.responses
        .filter((r) => r.visit === landmark.visit)
        .sort((a, b) => (a.at < b.at ? -1 : 1))
        .at(-1);
      if (ended && day(ended) <= visit.day && (!assessed || ended <= assessed.at)) nonResponders += 1;
      else if (assessed) {
        const responds = objective.includes(assessed.response) && (!landmark.mrdNegative || assessed.mrdNegative === true);
        if (responds) responders += 1;
        else nonResponders += 1;
      } else if (day(asOf) <= visit.day + visit.windowAfterDays) notYetDue += 1;
      else notAssessed += 1;
    }
    return {
      visit: landmark.visit,
      day: visit.day,
      measure: landmark.measure,
      ...(landmark.mrdNegative ? { mrdNegative: true } : {}),
      rate: proportion(responders, responders + nonResponders),
      notYetDue,
      notAssessed,
    };
  });
}

/** Patients by their early and late ICAHT grade (1–4), of those with an ANC after infusion. */
function icahtCounts(infused: PatientFacts[]) {
  const graded = infused.flatMap((p) => (p.icaht ? [p.icaht] : []));
  const byGrade = (gradeOf: (g: NonNullable<PatientFacts['icaht']>) => number) =>
    [1, 2, 3, 4].map((grade) => ({ grade, patients: graded.filter((g) => gradeOf(g) === grade).length }));
  return { patientsWithAnc: graded.length, earlyByGrade: byGrade((g) => g.early.grade), lateByGrade: byGrade((g) => g.late.grade) };
}

/** One patient's CAR-T kinetics in one compartment (the curve one value per study day), or why its curve could not be summarised. */
type PatientKinetics =
  | { row: { compartment: string; cmax: number | null; tmax: number | null; auc: number | null; samples: number; curve: Array<{ day: number; value: number }> } }
  | { compartment: string; error: unknown };

/**
 * What the kinetics and the cytokine peaks read of a list of lab results. It names no patient: the
 * list is its key, and the rows are given the patient whose facts it is read for (`outcomesOf`).
 */
interface LabSummary {
  kinetics: PatientKinetics[];
  /** Each cytokine's first-month peak (Day 0 to 28), absent without a result then. */
  peaks: Map<string, { peak: number; day: number; unit: string }>;
}

/**
 * Computed once per frozen list of lab results: facts a read model keeps across reads are
 * `deepFreeze`d and share their list, so a trial's curves are summarised when a patient's results
 * change, not on every read. A list that is not frozen could change under its key, and is summarised
 * afresh.
 */
const labSummaries = new WeakMap<PatientFacts['labs'], LabSummary>();

function labSummaryOf(labs: PatientFacts['labs']): LabSummary {
  const known = labSummaries.get(labs);
  if (known) return known;
  const compartments = [...new Set(labs.filter((l) => l.code === 'CAR_COPIES').map((l) => l.compartment ?? 'PB'))];
  const kinetics = compartments.map((compartment): PatientKinetics => {
    const curve = onePerStudyDay(labs.filter((l) => l.code === 'CAR_COPIES' && (l.compartment ?? 'PB') === compartment));
    try {
      const k = carTKinetics(curve);
      // No sample in the first 28 days: no area to speak of (null, not 0), and no part of the medians.
      return { row: { compartment, ...k, auc: k.samples ? k.auc : null, curve: [...curve].sort((a, b) => a.day - b.day) } };
    } catch (error) {
      return { compartment, error };
    }
  });
  const peaks = new Map<string, { peak: number; day: number; unit: string }>();
  for (const code of CYTOKINE_CODES) {
    const firstMonth = labs.filter((l) => l.code === code && l.day >= 0 && l.day <= 28);
    if (!firstMonth.length) continue;
    const peak = firstMonth.reduce((a, b) => (b.value > a.value ? b : a));
    peaks.set(code, { peak: peak.value, day: peak.day, unit: peak.unit });
  }
  const summary = { kinetics, peaks };
  if (Object.isFrozen(labs)) {
    // Shared by every read of the list from now on: frozen like it (a Map's entries are not its properties).
    deepFreeze(kinetics);
    for (const peak of peaks.values()) deepFreeze(peak);
    labSummaries.set(labs, summary);
  }
  return summary;
}

/**
 * The trial's efficacy, safety and kinetics outcomes for a group of patients (days from infusion).
 * `specOf` gives each patient's own protocol (its cohort's, where cohorts differ in response
 * criteria): a patient's response counts by its own criteria. Where the group mixes criteria,
 * `criteria` is `BY_COHORT`, the MRD-negative ORR counts the patients assessed by ALL criteria and
 * the DCR those assessed by Lugano.
 */
export function outcomesOf(
  spec: LifecycleSpec,
  facts: PatientFacts[],
  specOf: (p: PatientFacts) => LifecycleSpec = () => spec,
  /** Where a curve the kinetics could not be computed from is reported. */
  dataIssues: DataIssue[] = [],
  /** The date the outcomes are read as of: a landmark whose window is still open is not yet due. */
  asOf: string = facts.reduce((last, p) => (p.lastContactAt > last ? p.lastContactAt : last), ''),
) {
  const infused = facts.filter((p) => p.infusedAt);
  const best = infused.map((p) => ({ p, best: bestResponse(p), criteria: specOf(p).responseCriteria, objective: objectiveResponses(specOf(p)) }));
  const criteriaSeen = [...new Set(best.map((b) => b.criteria))];
  const mixed = criteriaSeen.length > 1;
  const objective = mixed ? RESPONSE_ORDER.filter((r) => best.some((b) => b.objective.includes(r))) : objectiveResponses(infused.length ? specOf(infused[0]) : spec);
  const responders = best.filter((b) => b.best && b.objective.includes(b.best));
  const assessedBy = (criteria: string) => (mixed ? best.filter((b) => b.criteria === criteria) : best);
  const lugano = assessedBy('LUGANO_2014');
  const responseTable = Object.entries(
    best.reduce<Record<string, number>>((table, b) => ({ ...table, [b.best ?? 'not assessed']: (table[b.best ?? 'not assessed'] ?? 0) + 1 }), {}),
  ).map(([response, patients]) => ({ response, patients }));

  // The safety tables are over the treated patients (those infused; ICH E9's safety set): an AE of a
  // patient never infused is on that patient's record, not in the product's safety figures.
  const worstByTerm = new Map<string, Map<string, number>>();
  for (const p of infused) {
    for (const ae of p.adverseEvents) {
      const term = ae.term.toLowerCase();
      const byPatient = worstByTerm.get(term) ?? new Map<string, number>();
      byPatient.set(p.patientId, Math.max(byPatient.get(p.patientId) ?? 0, ae.grade));
      worstByTerm.set(term, byPatient);
    }
  }
  const gradeCounts = (byPatient: Map<string, number>) => [1, 2, 3, 4, 5].map((grade) => ({ grade, patients: [...byPatient.values()].filter((g) => g === grade).length }));
  const syndrome = (scale: string) => {
    const worst = new Map<string, number>();
    for (const p of infused) for (const ae of p.adverseEvents) if (ae.scale === scale) worst.set(p.patientId, Math.max(worst.get(p.patientId) ?? 0, ae.grade));
    return gradeCounts(worst);
  };

  const kinetics = infused.flatMap((p) =>
    labSummaryOf(p.labs).kinetics.flatMap((k) => {
      if ('row' in k) return [{ patientId: p.patientId, ...k.row }];
      // The statistics refuse what is not a curve (a negative value, two values on a day): one
      // patient's odd curve is left out and listed, the others are still summarised.
      dataIssues.push({
        ...unreadableEntry(p.patientId, { type: 'LAB_RESULT_RECORDED' }, k.error, `kinetics.${k.compartment}`),
        problem: `CAR copies could not be summarised: ${messageOf(k.error)}`,
      });
      return [];
    }),
  );
  const kineticsSummary = [...new Set(kinetics.map((k) => k.compartment))].map((compartment) => {
    // The medians are over the patients with a sample in the first 28 days, and say how many those are.
    const of = kinetics.filter((k) => k.compartment === compartment && k.samples > 0);
    return {
      compartment,
      patients: of.length,
      withoutSamples: kinetics.filter((k) => k.compartment === compartment && k.samples === 0).length,
      medianCmax: median(of.map((k) => k.cmax).filter((v): v is number => v !== null)),
      medianTmax: median(of.map((k) => k.tmax).filter((v): v is number => v !== null)),
      medianAuc0to28: median(of.map((k) => k.auc).filter((v): v is number => v !== null)),
    };
  });
  const cytokinePeaks = CYTOKINE_CODES.map((code) => {
    const peaks = infused.flatMap((p) => {
      const peak = labSummaryOf(p.labs).peaks.get(code);
      return peak ? [{ patientId: p.patientId, ...peak }] : [];
    });
    return { code, patients: peaks.length, medianPeak: median(peaks.map((x) => x.peak)), peaks };
  });

  return {
    participants: facts.length,
    infused: infused.length,
    response: {
      criteria: mixed ? 'BY_COHORT' : (criteriaSeen[0] ?? spec.responseCriteria),
      objectiveResponses: objective,
      orr: proportion(responders.length, infused.length),
      // an MRD-negative CR or CRi on the same assessment; an MRD reading alone is not a response
      mrdNegativeOrr: ((group) => proportion(group.filter((b) => b.p.responses.some((r) => r.mrdNegative === true && ALL_REMISSION.includes(r.response))).length, group.length))(
        assessedBy('ALL'),
      ),
      ...((mixed ? lugano.length : (criteriaSeen[0] ?? spec.responseCriteria) === 'LUGANO_2014')
        ? { dcr: proportion(lugano.filter((b) => b.best && ['CR', 'PR', 'SD'].includes(b.best)).length, lugano.length) }
        : {}),
      ...(mixed ? { criteriaByCohort: Object.fromEntries(best.map((b) => [b.p.cohort ?? 'none', b.criteria])) } : {}),
      bestResponse: responseTable,
      // The time points the record names, beside the best response to date; a group of cohorts with their own has none of its own.
      landmarks: mixed ? [] : landmarkRates(infused.length ? specOf(infused[0]) : spec, best, asOf),
    },
    survival: {
      unit: 'days from infusion',
      os: survival(infused.map((p) => timeToEvent(p, p.deathAt))),
      // PFS: progression, clinical relapse or death; EFS adds a molecular (MRD) relapse (docs/clinical.md, section "Endpoints")
      pfs: survival(infused.map((p) => timeToEvent(p, firstOf(p.progressionAt, p.deathAt)))),
      efs: survival(infused.map((p) => timeToEvent(p, firstOf(p.relapseAt, p.progressionAt, p.deathAt)))),
      dor: survival(
        responders.map(({ p, objective: counted }) => {
          const firstResponse = p.responses
            .filter((r) => counted.includes(r.response))
            .map((r) => r.at)
            .sort()[0];
          return timeToEvent(p, firstOf(p.progressionAt, p.deathAt), firstResponse);
        }),
      ),
    },
    safety: {
      /** The denominator of every safety figure: the patients infused. */
      treated: infused.length,
      participantsWithGrade3OrWorse: infused.filter((p) => p.adverseEvents.some((ae) => ae.grade >= 3)).length,
      adverseEventsByTerm: [...worstByTerm.entries()].map(([term, byPatient]) => ({ term, byWorstGrade: gradeCounts(byPatient) })),
      crsByGrade: syndrome('ASTCT CRS'),
      icansByGrade: syndrome('ASTCT ICANS'),
      icaht: icahtCounts(infused),
    },
    kinetics: { perPatient: kinetics, summary: kineticsSummary, cytokinePeaks },
    veinToVein: veinToVein(facts),
  };
}

/** The spec a cohort's patients are read by: the trial's, with the cohort's own settings over it. */
export function cohortSpecOf(spec: LifecycleSpec): (cohort: string | null) => LifecycleSpec {
  const cohorts = spec.cohorts ?? [];
  return (cohort) => {
    const found = cohorts.find((c) => c.id === cohort);
    if (!found) return spec;
    const { id: _id, title: _title, diagnoses: _diagnoses, ...overrides } = found;
    return { ...spec, ...overrides };
  };
}

/** One patient's facts as of a date, or why nothing of the patient could be read. */
export type PatientReading = { facts: PatientFacts } | { failure: DataIssue };

/** Reads one patient's log as of a date (the cohort's spec); an exception becomes the patient's failure. */
export function readPatient(spec: LifecycleSpec, log: PatientLog, asOf: string): PatientReading {
  try {
    return { facts: patientFacts(cohortSpecOf(spec)(log.cohort), log, asOf) };
  } catch (error) {
    // Nothing of this patient could be read: counted nowhere, and said so.
    return { failure: { patientId: log.patientId, seq: null, type: null, field: 'log', problem: `could not be read: ${messageOf(error)}` } };
  }
}

/** Outcomes of the whole trial and, where it has cohorts, of each cohort, as of a date. */
export function trialOutcomes(spec: LifecycleSpec, logs: PatientLog[], asOf: string) {
  return trialOutcomesOf(
    spec,
    logs.flatMap((log) => log.dataIssues ?? []),
    logs.map((log) => readPatient(spec, log, asOf)),
    asOf,
  );
}

/**
 * The trial's outcomes from each patient's reading (in the patients' order) and the issues the
 * screening of their logs found: what `trialOutcomes` computes once the logs are read, and what a
 * read model that keeps each patient's facts computes from them.
 */
export function trialOutcomesOf(spec: LifecycleSpec, screened: DataIssue[], readings: PatientReading[], asOf: string) {
  const cohortSpec = cohortSpecOf(spec);
  const dataIssues: DataIssue[] = [...screened];
  const facts = readings.flatMap((reading) => {
    if ('failure' in reading) {
      dataIssues.push(reading.failure);
      return [];
    }
    dataIssues.push(...reading.facts.dataIssues);
    return [reading.facts];
  });
  const trial = outcomesOf(spec, facts, (p) => cohortSpec(p.cohort), dataIssues, asOf);
  return {
    protocol: `${spec.id}@${spec.version}`,
    asOf,
    ...trial,
    cohorts: (spec.cohorts ?? []).map((c) => ({
      cohort: c.id,
      ...outcomesOf(
        cohortSpec(c.id),
        facts.filter((p) => p.cohort === c.id),
        undefined,
        [],
        asOf,
      ),
    })),
    /** The stored records left out of these outcomes, one entry per problem. */
    dataIssues,
  };
}
