import type { ClinicalEvent } from '../events';
import type { PatientContext } from './context';
import type { LifecycleSpec } from './spec';
import {
  custodyOrderProblems,
  custodyStepLabel,
  custodyStepOf,
  CUSTODY_HANDOFF_EVENTS,
  releaseFailures,
  type CustodySpec,
  type ReleaseFailure,
  type ReleaseResults,
} from '../rules/custody';
import { chainOfIdentityProblems, formatChainOfIdentityId, normalizeChainOfIdentityId } from '../rules/chain-of-identity';
import { clinicalInstant, studyDay } from './clinical-time';
import { assignedDoseLevel } from './record';
import { checkCellDose } from '../rules/cell-dose';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event's data was validated against its type's schema before
type Event = ClinicalEvent<any>;

/**
 * The custody settings a protocol runs with when it states none (docs/clinical.md, section "Chain
 * of custody"): each value with its source, the assumed ones said so.
 */
export const DEFAULT_CUSTODY: CustodySpec = {
  apheresisStabilityHours: 48,
  postThawLimitMinutes: 30,
  release: { minViabilityPct: 70, minCarPositivePct: 10, maxEndotoxinEuPerKg: 5, waivable: ['viability', 'carPositive', 'dose'] },
  maxManufacturingAttempts: 3,
  reconfirmEligibilityAfterBridging: true,
  source:
    'Post-thaw limit: 30 minutes, the strictest of the approved CD19 products (KYMRIAH prescribing information, 2.3: infuse within 30 minutes of thaw completion). ' +
    'Viability at least 70%: FDA, Guidance for FDA Reviewers and Sponsors: Content and Review of CMC Information for Human Somatic Cell Therapy INDs (2008). ' +
    'Endotoxin at most 5 EU/kg: USP <85>, the limit for a parenteral per kg of body weight. ' +
    'Assumed, the trial records giving none: the fresh apheresis product reaches the manufacturing site within 48 hours; at least 10% CAR-positive cells; ' +
    'three manufacturing attempts at most; eligibility re-confirmed after bridging therapy.',
};

export const custodySpecOf = (spec: LifecycleSpec): CustodySpec => spec.custody ?? DEFAULT_CUSTODY;

/** A protocol deviation the record keeps: what rule, when, in words. */
export type DeviationKind = 'apheresis-stability' | 'post-thaw-limit' | 'shipping-temperature' | 'out-of-specification-release';

export interface DeviationRecord {
  kind: DeviationKind;
  at: string;
  message: string;
}

/** One manufacturing attempt: from what, when it started, how it ended. */
export interface ManufacturingAttempt {
  attempt: number;
  source: 'apheresis' | 'retainedCells' | 'newApheresis';
  startedAt?: string;
  outcome?: 'released' | 'releasedOutOfSpecification' | 'rejected' | 'failed';
  at?: string;
  reason?: string;
}

const addHours = (at: string, hours: number) => new Date(Date.parse(at) + hours * 3_600_000).toISOString();
const addMinutes = (at: string, minutes: number) => new Date(Date.parse(at) + minutes * 60_000).toISOString();

/** When the fresh apheresis product stops being fit to manufacture from. */
export const apheresisStableUntil = (spec: LifecycleSpec, collectedAt: string) => addHours(collectedAt, custodySpecOf(spec).apheresisStabilityHours);
/** When the thawed product must have been infused by. */
export const postThawLimitAt = (spec: LifecycleSpec, thawedAt: string) => addMinutes(thawedAt, custodySpecOf(spec).postThawLimitMinutes);

const withDeviation = (c: PatientContext, deviation: DeviationRecord): Pick<PatientContext, 'deviations'> => ({
  deviations: [...(c.deviations ?? []), deviation],
});

const attempts = (c: PatientContext) => c.manufacturing?.history ?? [];
const lastAttempt = (c: PatientContext) => attempts(c).at(-1);
const withLastAttempt = (c: PatientContext, change: Partial<ManufacturingAttempt>): PatientContext['manufacturing'] => {
  const history = attempts(c);
  return { history: [...history.slice(0, -1), { ...history.at(-1)!, ...change }] };
};

/** The minimum cells the patient's dose level asks of the product: its lowest cells per kg times the patient's weight. */
export const minimumProductCells = (spec: LifecycleSpec, c: PatientContext) => assignedDoseLevel(spec, c).minCellsPerKg * c.patient.weightKg;

/** The release testing's misses against the protocol's criteria. */
export function releaseAssessment(spec: LifecycleSpec, c: PatientContext, results: ReleaseResults): ReleaseFailure[] {
  return releaseFailures(custodySpecOf(spec).release, results, minimumProductCells(spec, c));
}

/** What a custody event changes in the record: the chain's step, and what the step itself brings. */
export function recordCustody(spec: LifecycleSpec, c: PatientContext, e: Event): Partial<PatientContext> {
  const step = custodyStepOf(e.type);
  const custody = step ? { ...c.custody, step, at: e.occurredAt } : c.custody;
  switch (e.type) {
    case 'LEUKAPHERESIS_COMPLETED': {
      // A new apheresis after a failed attempt starts the chain again; the chain of identity continues.
      const history = attempts(c);
      const source = history.length === 0 ? 'apheresis' : 'newApheresis';
      const pending = lastAttempt(c)?.startedAt === undefined && history.length > 0;
      return {
        leukapheresisAt: e.occurredAt,
        custody: { step: 'collected', at: e.occurredAt, ...(e.data.bagId ? { bagId: e.data.bagId } : {}) },
        manufacturing: { history: pending ? history : [...history, { attempt: history.length + 1, source }] },
      };
    }
    case 'APHERESIS_RECEIVED':
    case 'PRODUCT_RECEIVED': {
      // A receipt within the stability window, entered after its timer fired, withdraws the deviation the timer marked.
      const inTime = e.type === 'APHERESIS_RECEIVED' && c.leukapheresisAt && e.occurredAt <= apheresisStableUntil(spec, c.leukapheresisAt);
      const marked = (d: DeviationRecord) => d.kind === 'apheresis-stability' && d.at >= c.leukapheresisAt!;
      const kept = inTime && (c.deviations ?? []).some(marked) ? { deviations: (c.deviations ?? []).filter((d) => !marked(d)) } : {};
      const base = { ...c, ...kept };
      return {
        custody,
        ...kept,
        ...(e.data.temperatureInRange
          ? {}
          : withDeviation(base, { kind: 'shipping-temperature', at: e.occurredAt, message: `The ${custodyStepLabel(step!)} found the shipper's temperature out of range` })),
      };
    }
    case 'MANUFACTURING_STARTED':
      return { custody, manufacturing: withLastAttempt(c, { startedAt: e.occurredAt }) };
    case 'PRODUCT_RELEASED': {
      const waived = e.data.results ? releaseAssessment(spec, c, e.data.results).map((f) => f.criterion) : [];
      const outcome = waived.length ? 'releasedOutOfSpecification' : 'released';
      return {
        custody: { ...custody!, ...(e.data.lot ? { lot: e.data.lot } : {}) },
        product: {
          releasedAt: e.occurredAt,
          lot: e.data.lot,
          ...(e.data.results ? { viableCarTCells: e.data.results.viableCarTCells } : {}),
          ...(waived.length ? { outOfSpecification: waived } : {}),
        },
        ...(c.manufacturing ? { manufacturing: withLastAttempt(c, { outcome, at: e.occurredAt }) } : {}),
        ...(waived.length
          ? withDeviation(c, {
              kind: 'out-of-specification-release',
              at: e.occurredAt,
              message: `Product released out of specification (${waived.join(', ')}) on the investigator's signed justification`,
            })
          : {}),
      };
    }
    case 'PRODUCT_THAWED':
      return { custody: { ...custody!, thawedAt: e.occurredAt } };
    case 'INFUSION_COMPLETED':
      return c.custody ? { custody, ...lateInfusionDeviation(spec, c, e.occurredAt) } : {};
    default:
      return { custody };
  }
}

/**
 * The post-thaw deviation as the infusion settles it: an infusion past the limit keeps the one the
 * timer marked (or marks it, when it is entered before the timer got to it); an infusion within the
 * limit, entered after the timer fired (a late entry), withdraws it: the timer saw no infusion
 * because none was entered yet, not because none was given.
 */
function lateInfusionDeviation(spec: LifecycleSpec, c: PatientContext, infusedAt: string): Partial<PatientContext> {
  const thawedAt = c.custody?.thawedAt;
  if (!thawedAt) return {};
  const marked = (d: DeviationRecord) => d.kind === 'post-thaw-limit' && d.at >= thawedAt;
  if (infusedAt <= postThawLimitAt(spec, thawedAt)) {
    return (c.deviations ?? []).some(marked) ? { deviations: (c.deviations ?? []).filter((d) => !marked(d)) } : {};
  }
  if ((c.deviations ?? []).some(marked)) return {};
  return withDeviation(c, postThawDeviation(spec, thawedAt, infusedAt));
}

export function postThawDeviation(spec: LifecycleSpec, thawedAt: string, at: string): DeviationRecord {
  const limit = custodySpecOf(spec).postThawLimitMinutes;
  return { kind: 'post-thaw-limit', at, message: `The product thawed at ${thawedAt} was not infused within the protocol's ${limit} minutes after thaw` };
}

export function stabilityDeviation(spec: LifecycleSpec, collectedAt: string, at: string): DeviationRecord {
  const hours = custodySpecOf(spec).apheresisStabilityHours;
  return {
    kind: 'apheresis-stability',
    at,
    message: `The apheresis product collected at ${collectedAt} has not reached the manufacturing site within its ${hours}-hour stability window`,
  };
}

/** A second infusion, where the protocol allows one: kept beside the first, whose Day 0 stays. */
export function recordSecondInfusion(spec: LifecycleSpec, c: PatientContext, e: Event): Partial<PatientContext> {
  const weightKg = e.data.weightKg ?? c.patient.weightKg;
  return {
    secondInfusion: { infusedAt: e.occurredAt, cellsPerKg: e.data.cellsPerKg, weightKg, totalCells: e.data.cellsPerKg * weightKg },
    custody: { ...c.custody!, step: 'infused', at: e.occurredAt },
    ...lateInfusionDeviation(spec, c, e.occurredAt),
  };
}

/** What the order to make the product again changes: the attempt closed, a new one opened, the chain back where the cells are. */
export function recordRemanufacture(c: PatientContext, e: Event): Partial<PatientContext> {
  const closed = withLastAttempt(c, { outcome: e.data.cause === 'manufacturingFailure' ? 'failed' : 'rejected', at: e.occurredAt, reason: e.data.reason });
  const history = [...closed!.history, { attempt: closed!.history.length + 1, source: e.data.source }];
  return {
    manufacturing: { history },
    product: undefined,
    lymphodepletion: undefined,
    // Retained cells are at the manufacturing site already; a new apheresis starts the chain again.
    custody: e.data.source === 'retainedCells' ? { step: 'receivedAtManufacturing', at: e.occurredAt } : undefined,
  };
}

export function recordBridging(c: PatientContext, e: Event): Partial<PatientContext> {
  const given = { regimen: e.data.regimen, startedOn: e.data.startedOn, ...(e.data.endedOn ? { endedOn: e.data.endedOn } : {}), recordedAt: e.occurredAt };
  return { bridging: [...(c.bridging ?? []), given] };
}

const MAX_BRIDGING_COURSES = 10;

/** The custody and manufacturing rules of a well-formed event (HTTP 422), one sentence each. */
export function custodyRefusals(spec: LifecycleSpec, c: PatientContext, e: Event): string[] {
  const reasons: string[] = [];
  const step = custodyStepOf(e.type);
  // The legacy walk: a patient whose collection carried no custody data is not tracked, and neither its release nor its infusion asks for the chain.
  const tracked = c.custody !== undefined || e.type === 'LEUKAPHERESIS_COMPLETED';
  if (step && tracked) {
    reasons.push(...custodyOrderProblems(c.custody, e.type));
    if (c.custody && e.occurredAt < c.custody.at) reasons.push(`${e.type} at ${e.occurredAt} is before the ${custodyStepLabel(c.custody.step)} at ${c.custody.at}`);
  }
  if ((CUSTODY_HANDOFF_EVENTS as readonly string[]).includes(e.type)) reasons.push(...bagProblems(c, e.data.coi, 'data.coi'));
  switch (e.type) {
    case 'LEUKAPHERESIS_COMPLETED': {
      const missing = (['bagId', 'volumeMl', 'totalNucleatedCells', 'collectedBy', 'location'] as const).filter((f) => e.data[f] === undefined);
      if (missing.length) reasons.push(`the apheresis collection starts the chain of custody and records ${missing.join(', ')}`);
      break;
    }
    case 'PRODUCT_RELEASED':
      reasons.push(...releaseRefusals(spec, c, e));
      break;
    case 'REMANUFACTURE_ORDERED': {
      const last = lastAttempt(c);
      if (!last?.startedAt) reasons.push('no manufacturing attempt has started: there is nothing to make again');
      const max = custodySpecOf(spec).maxManufacturingAttempts;
      if (attempts(c).length >= max) reasons.push(`the protocol allows ${max} manufacturing attempts and ${attempts(c).length} were made: record MANUFACTURING_FAILED`);
      break;
    }
    case 'BRIDGING_THERAPY_GIVEN': {
      const startedOn = clinicalInstant(e.data.startedOn);
      if (c.leukapheresisAt && startedOn.slice(0, 10) < c.leukapheresisAt.slice(0, 10)) {
        reasons.push(`bridging therapy started on ${e.data.startedOn}, before the apheresis on ${c.leukapheresisAt.slice(0, 10)}: therapy before it is prior therapy`);
      }
      if (e.data.endedOn && clinicalInstant(e.data.endedOn) < startedOn) reasons.push(`bridging therapy cannot end (${e.data.endedOn}) before it started (${e.data.startedOn})`);
      if (startedOn.slice(0, 10) > e.occurredAt.slice(0, 10)) reasons.push('bridging therapy cannot start after the date it is recorded');
      if ((c.bridging ?? []).length >= MAX_BRIDGING_COURSES) reasons.push(`at most ${MAX_BRIDGING_COURSES} bridging courses are recorded per patient`);
      break;
    }
    case 'ELIGIBILITY_RECONFIRMED':
      if (!(c.bridging ?? []).length) reasons.push('no bridging therapy is on record: eligibility is re-confirmed after bridging therapy');
      break;
    case 'LYMPHODEPLETION_STARTED':
      reasons.push(...bridgingGate(spec, c));
      break;
    case 'SECOND_INFUSION_COMPLETED':
      reasons.push(...secondInfusionRefusals(spec, c, e));
      break;
    case 'INFUSION_COMPLETED': {
      const held = c.product?.viableCarTCells;
      const total = e.data.cellsPerKg * (e.data.weightKg ?? c.patient.weightKg);
      if (held !== undefined && total > held * 1.0001) {
        reasons.push(`the infusion gives ${total.toExponential(2)} cells, more than the ${held.toExponential(2)} viable CAR-positive T cells the released product holds`);
      }
      break;
    }
  }
  return reasons;
}

/** A second infusion: the protocol's window after the first, the assigned dose level, a bag thawed for it, once. */
function secondInfusionRefusals(spec: LifecycleSpec, c: PatientContext, e: Event): string[] {
  const rule = spec.secondInfusion;
  const first = c.infusion?.infusedAt;
  if (!rule || !first) return ['this protocol allows no second infusion'];
  if (c.secondInfusion) return [`a second infusion was given on ${c.secondInfusion.infusedAt}: the protocol allows one`];
  const reasons: string[] = [];
  const days = studyDay(e.occurredAt, first);
  if (days < rule.minDaysAfterFirst || days > rule.maxDaysAfterFirst) {
    reasons.push(`a second infusion is given ${rule.minDaysAfterFirst} to ${rule.maxDaysAfterFirst} days after the first (${first.slice(0, 10)}), not on day ${days}`);
  }
  if (c.custody?.step !== 'thawed' || !c.custody.thawedAt || c.custody.thawedAt < first) reasons.push('the second bag has not been thawed: record PRODUCT_THAWED first');
  const dose = checkCellDose(e.data.cellsPerKg, e.data.weightKg ?? c.patient.weightKg, assignedDoseLevel(spec, c));
  reasons.push(...dose.reasons);
  return reasons;
}

/** A bag identifier that is malformed or is not this patient's: another patient's product. */
function bagProblems(c: PatientContext, given: string | undefined, field: string): string[] {
  const own = c.enrollment?.coi;
  if (given === undefined) return [`${field}: the chain-of-identity identifier on the bag is required`];
  if (!own) return ['this patient has no chain-of-identity identifier to check the bag against (enrolled before identifiers were allocated)'];
  const malformed = chainOfIdentityProblems(given, field);
  if (malformed.length) return malformed;
  const read = normalizeChainOfIdentityId(given);
  return read === own
    ? []
    : [`${field} ${formatChainOfIdentityId(read)} is another patient's product, not this patient's (${formatChainOfIdentityId(own)}): nothing is recorded; check the bag`];
}

function releaseRefusals(spec: LifecycleSpec, c: PatientContext, e: Event): string[] {
  if (!c.custody) return [];
  const reasons: string[] = [];
  if (!e.data.lot) reasons.push('data.lot: the product lot is required');
  reasons.push(...bagProblems(c, e.data.coi, 'data.coi'));
  if (!e.data.results) return [...reasons, 'data.results: a product is released on its release testing (viability, CAR-positive %, dose, sterility, mycoplasma, endotoxin)'];
  const failures = releaseAssessment(spec, c, e.data.results);
  const blocking = failures.filter((f) => !f.waivable);
  if (blocking.length) {
    reasons.push(...blocking.map((f) => `${f.message}: the product cannot be released; reject it (REMANUFACTURE_ORDERED or MANUFACTURING_FAILED)`));
  } else if (failures.length && !e.data.outOfSpecification) {
    reasons.push(
      ...failures.map((f) => f.message),
      "the product is out of specification: an investigator may release it under the protocol's out-of-specification rule with a signed justification (data.outOfSpecification.justification), or reject it (REMANUFACTURE_ORDERED)",
    );
  } else if (!failures.length && e.data.outOfSpecification) {
    reasons.push('the product meets every release criterion: there is nothing to justify (leave out data.outOfSpecification)');
  }
  return reasons;
}

/** After bridging therapy, lymphodepletion waits for the investigator to re-confirm eligibility, where the protocol says so. */
function bridgingGate(spec: LifecycleSpec, c: PatientContext): string[] {
  const last = (c.bridging ?? []).at(-1);
  if (!last || !custodySpecOf(spec).reconfirmEligibilityAfterBridging) return [];
  if (c.eligibilityReconfirmedAt && c.eligibilityReconfirmedAt >= last.recordedAt) return [];
  return [`bridging therapy (${last.regimen}) was given: the protocol asks the investigator to re-confirm eligibility (ELIGIBILITY_RECONFIRMED) before lymphodepletion`];
}
