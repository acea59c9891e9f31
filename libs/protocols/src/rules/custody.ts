/**
 * The chain of custody of an autologous CAR-T product (docs/clinical.md, section "Chain of custody"):
 * the patient's cells from the apheresis bag to the manufacturing site and back as the product, to
 * the bedside. Each step is a hand-off the record keeps (who handed over, who received, when,
 * where), and each may follow only the step before it: a gap or an out-of-order hand-off is refused
 * with the step that is missing. Pure data and functions; the patient's machine steps the chain.
 */

import { CUSTODY_STEPS } from '../policy/custody-steps';

export { CUSTODY_STEPS };

export type CustodyStep = (typeof CUSTODY_STEPS)[number]['step'];
export type CustodyEventType = (typeof CUSTODY_STEPS)[number]['event'];

const BY_EVENT = new Map<string, (typeof CUSTODY_STEPS)[number]>(CUSTODY_STEPS.map((s) => [s.event, s]));
const BY_STEP = new Map<string, (typeof CUSTODY_STEPS)[number]>(CUSTODY_STEPS.map((s) => [s.step, s]));
const indexOf = (step: string) => CUSTODY_STEPS.findIndex((s) => s.step === step);

/** The custody step an event records, if it records one. */
export function custodyStepOf(type: string): CustodyStep | undefined {
  return BY_EVENT.get(type)?.step;
}

/** The events that record a hand-off of the chain between its two anchors (collection and infusion), each carrying the bag's chain-of-identity identifier. */
export const CUSTODY_HANDOFF_EVENTS = CUSTODY_STEPS.map((s) => s.event).filter((e) => e !== 'LEUKAPHERESIS_COMPLETED' && e !== 'INFUSION_COMPLETED');

/**
 * Why the chain cannot take this step now: it is not next (a gap, with the step that is missing)
 * or it was taken already (a second receipt). `at` is when the chain reached its current step.
 */
export function custodyOrderProblems(current: { step: CustodyStep; at: string } | undefined, type: string): string[] {
  const next = BY_EVENT.get(type);
  if (!next) return [];
  const allowed: readonly string[] = next.after;
  if (!current) return allowed.length === 0 ? [] : [`${next.label} before the ${BY_STEP.get(allowed[0])!.label}: the chain of custody starts with the apheresis collection`];
  if (allowed.includes(current.step)) return [];
  const here = BY_STEP.get(current.step)!;
  if (indexOf(current.step) >= indexOf(next.step)) {
    return [`the chain of custody is past the ${next.label}: the product was at the ${here.label} on ${current.at} (a ${next.label} cannot be recorded twice)`];
  }
  // The step to record next: storage only when it is the one step missing, since it may be skipped.
  const between = CUSTODY_STEPS.slice(indexOf(current.step) + 1, indexOf(next.step));
  const first = between.find((s) => s.step !== 'stored') ?? between[0];
  return [`a gap in the chain of custody: the ${next.label} cannot follow the ${here.label}; record the ${first.label} (${first.event}) first`];
}

/** The label of a step, for sentences. */
export function custodyStepLabel(step: CustodyStep): string {
  return BY_STEP.get(step)!.label;
}

/**
 * The release criteria of a protocol's product (docs/clinical.md, section "Release testing"). The
 * FDA's guidance on somatic cell therapy INDs (CMC, 2008) recommends a release specification of at
 * least 70% viable cells; sterility is tested under 21 CFR 610.12 (no growth); mycoplasma must not
 * be detected; endotoxin stays under USP <85>'s limit for a parenteral, 5 EU per kg of body weight.
 * The CAR-positive fraction and the dose are the protocol's.
 */
export interface ReleaseCriteria {
  minViabilityPct: number;
  minCarPositivePct: number;
  maxEndotoxinEuPerKg: number;
  /**
   * The criteria the protocol's out-of-specification rule lets an investigator waive, with a signed
   * justification (FDA, Considerations for the Development of CAR T Cell Products, 2024; the
   * expanded-access programmes for out-of-specification commercial product). Sterility, mycoplasma
   * and endotoxin are never waived here: they are the patient's safety, not the product's potency.
   */
  waivable: ReadonlyArray<'viability' | 'carPositive' | 'dose'>;
}

/** The results of release testing as the manufacturing site reports them. */
export interface ReleaseResults {
  viabilityPct: number;
  carPositivePct: number;
  /** Viable CAR-positive T cells in the whole product. */
  viableCarTCells: number;
  sterility: 'noGrowth' | 'growth';
  mycoplasma: 'notDetected' | 'detected';
  endotoxinEuPerKg: number;
}

export type ReleaseCriterion = 'viability' | 'carPositive' | 'dose' | 'sterility' | 'mycoplasma' | 'endotoxin';

export interface ReleaseFailure {
  criterion: ReleaseCriterion;
  message: string;
  waivable: boolean;
}

const sci = (n: number) => n.toExponential(2).replace('e+', ' × 10^');

/**
 * Each release criterion the results miss, in words. `minCells` is the dose the patient's level
 * needs at the least (cells per kg × weight): a product that cannot give it is out of specification.
 */
export function releaseFailures(criteria: ReleaseCriteria, results: ReleaseResults, minCells: number): ReleaseFailure[] {
  const failures: ReleaseFailure[] = [];
  const add = (criterion: ReleaseCriterion, message: string) => failures.push({ criterion, message, waivable: (criteria.waivable as readonly string[]).includes(criterion) });
  if (results.viabilityPct < criteria.minViabilityPct)
    add('viability', `viability ${results.viabilityPct}% is below the release criterion of at least ${criteria.minViabilityPct}%`);
  if (results.carPositivePct < criteria.minCarPositivePct) {
    add('carPositive', `CAR-positive cells ${results.carPositivePct}% is below the release criterion of at least ${criteria.minCarPositivePct}%`);
  }
  if (results.viableCarTCells < minCells) {
    add('dose', `the product holds ${sci(results.viableCarTCells)} viable CAR-positive T cells, fewer than the ${sci(minCells)} the patient's dose level needs`);
  }
  if (results.sterility !== 'noGrowth') add('sterility', 'sterility testing grew organisms (21 CFR 610.12 asks for no growth)');
  if (results.mycoplasma !== 'notDetected') add('mycoplasma', 'mycoplasma was detected');
  if (results.endotoxinEuPerKg > criteria.maxEndotoxinEuPerKg) {
    add('endotoxin', `endotoxin ${results.endotoxinEuPerKg} EU/kg is above the limit of ${criteria.maxEndotoxinEuPerKg} EU/kg`);
  }
  return failures;
}

/** The custody settings of a protocol: its product's stability, release criteria and what may be done again. */
export interface CustodySpec {
  /** Hours from the apheresis collection within which the fresh product must reach the manufacturing site. */
  apheresisStabilityHours: number;
  /** Minutes from the end of the thaw within which the product must be infused. */
  postThawLimitMinutes: number;
  release: ReleaseCriteria;
  /** Manufacturing attempts the protocol allows a patient, the first included. */
  maxManufacturingAttempts: number;
  /** Whether eligibility is re-confirmed (signed) before lymphodepletion when bridging therapy was given. */
  reconfirmEligibilityAfterBridging: boolean;
  /** Where each value comes from. */
  source: string;
}
