import type { Criterion } from '../rules/eligibility';
import type { DoseLevel } from '../rules/cell-dose';
import type { LymphodepletionRegimen } from '../rules/chemotherapy-dose';
import type { DltRule } from '../rules/dlt';
import type { ResponseCriteria } from '../policy/values';
import type { CustodySpec } from '../rules/custody';

export type { DltRule };

/** One visit of the schedule of assessments, anchored at Day 0 (the infusion). */
export interface VisitSpec {
  /** The visit's name as sites say it: `D7`, `D28`, `M3`. */
  name: string;
  /** Target day after infusion. */
  day: number;
  /** Window around the target, in days. */
  windowBeforeDays: number;
  windowAfterDays: number;
  /** What is done at the visit (shown to the site, used by exports). */
  assessments: string[];
  /** Findings the visit must record when it is completed (`VISIT_COMPLETED`'s `findings`): a long-term follow-up or malignancy screening visit. */
  findings?: VisitFindingKey[];
}

export type VisitFindingKey = 'newMalignancy' | 'newNeurologicalDisorder' | 'newRheumatologicalOrAutoimmuneDisorder' | 'newHaematologicalDisorder' | 'seriousInfection';

/** An outcome measure of the trial record, with the time frame the record gives. */
export interface OutcomeMeasure {
  kind: 'primary' | 'secondary';
  title: string;
  timeFrame: string;
}

/** What a cohort changes: the parts of the spec that differ between, say, B-ALL and B-NHL patients. */
export type CohortOverrides = Partial<
  Pick<LifecycleSpec, 'responseCriteria' | 'primaryResponseVisit' | 'schedule' | 'followUpDays' | 'outcomeMeasures' | 'dlt' | 'responseLandmarks'>
>;

/**
 * A time point at which the trial record measures response (docs/clinical.md, section "Landmark
 * rates"): the visit of the schedule that assesses it, and the measure in the record's words.
 */
export interface ResponseLandmark {
  visit: string;
  measure: string;
  /** The measure counts MRD-negative responses only (an MRD-negative remission rate). */
  mrdNegative?: boolean;
}

export interface CohortSpec extends CohortOverrides {
  id: string;
  title: string;
  /** Screening diagnoses that belong to the cohort. */
  diagnoses: string[];
}

/** How the trial moves between dose levels toward the MTD (docs/clinical.md, section "Dose escalation"): 3+3 or BOIN. */
export type DoseEscalationSpec = ThreePlusThreeEscalation | BoinEscalation;

interface EscalationCommon {
  cohortSize: number;
  /** Days that must pass after one infusion before the next (a staggered start); none when absent. */
  staggerDays?: number;
}

export interface ThreePlusThreeEscalation extends EscalationCommon {
  design: '3+3';
}

/**
 * BOIN needs its target and its end: without a maximum sample size it would never select an MTD.
 * The rest are the BOIN R package's `get.boundary` parameters, with its defaults when absent; a
 * design the package refuses is refused when the protocol is built (`boinDesignProblems`).
 */
export interface BoinEscalation extends EscalationCommon {
  design: 'BOIN';
  /** The target DLT rate φ (`target`), from 0.05 to 0.6. */
  targetDltRate: number;
  /** The trial ends and the MTD is selected once this many patients are evaluable: a whole number of cohorts. */
  maxSampleSize: number;
  /** φ1 (`p.saf`), default 0.6φ: at least a tenth of φ below it. */
  phi1?: number;
  /** φ2 (`p.tox`), default 1.4φ: at least a tenth of φ above it. */
  phi2?: number;
  /** `cutoff.eli`, default 0.95. */
  eliminationCutoff?: number;
  /** `extrasafe`, default false: the stricter stopping rule on the lowest level. */
  extraSafe?: boolean;
  /** `offset` of the extra safety rule, default 0.05. */
  offset?: number;
}

/**
 * The cell dose range of the whole trial as its record gives it (NCT03754764: "1-5x10e6/kg total
 * dose on day 0"), or as the protocol assumes it where the record leaves it open. Every dose level
 * lies inside it, so no level accepts a dose the trial does not allow.
 */
export interface CellDoseRange {
  minCellsPerKg: number;
  maxCellsPerKg: number;
  /** Where the range comes from: the record's words, or the assumption made. */
  source: string;
}

/**
 * What an amendment changed, in words, and, when it reaches the patients already on study, how they
 * move (docs/design.md, section "Amendments"). Without a migration an amendment reaches only the
 * patients registered after it (v2 of cd19-rr-all).
 */
export interface Amendment {
  /** The date the sponsor issued the amendment: no site approval may be dated before it. */
  effective: string;
  summary: string;
  /**
   * Takes effect at a site only from the IRB/ethics approval an admin records for that site; until
   * then new patients there register on the earlier version and nobody there is migrated.
   */
  siteApproval?: true;
  migration?: MigrationSpec;
}

/**
 * How a patient on an earlier version moves to this one. The visits added and dropped are the
 * difference of the two schedules; the timers are re-derived from the record under this version.
 */
export interface MigrationSpec {
  /** The versions a patient may be migrated from. */
  fromVersions: number[];
  /** A state of the earlier version, as the patient's `state` names it, → the state it becomes here. */
  states: Record<string, string>;
  /** States the amendment does not map, each with why (shown in the dry run and in a refusal). */
  unmapped: Record<string, string>;
  reconsent?: ReconsentSpec;
}

/** The new consent a migrated patient must sign before the steps it names (21 CFR 50.25, ICH E6(R2) 4.8.2). */
export interface ReconsentSpec {
  /** The consent version a `CONSENT_SIGNED` must name to lift the gate. */
  consentVersion: string;
  /** Events refused while re-consent is due, when dated at or after the migration. */
  blocks: string[];
  /** The step it must come before, in words ("the next visit"). */
  before: string;
  /** What happens to a patient who declines, in words; the visits the amendment added are then not required. */
  onDecline: string;
}

/**
 * A long-term follow-up protocol: a patient is never screened or treated on it, but rolled over
 * from a parent trial after infusion, keeping the parent's Day 0, and starts in follow-up.
 */
export interface RolloverSpec {
  /** The protocols whose patients may roll over into this one. */
  parents: string[];
  /** The parent states a patient may roll over from: follow-up completed, or left alive after infusion. */
  fromStates: string[];
}

/**
 * The declarative description of a trial protocol. The common CAR-T lifecycle is built from it;
 * a trial differs from another by this data.
 */
export interface LifecycleSpec {
  id: string;
  version: number;
  title: string;
  officialTitle: string;
  registryId: string | null;
  phase: string;
  product: string;
  disease: string;
  targetEnrollment: number;
  eligibility: Criterion[];
  /** Investigator attestations the eligibility sign-off may carry: id → statement. */
  attestations: Record<string, string>;
  /** The trial's cell dose range; each dose level lies inside it. */
  cellDoseRange: CellDoseRange;
  doseLevels: DoseLevel[];
  /** Present on a dose-finding trial; a single-level trial has none. */
  doseEscalation?: DoseEscalationSpec;
  lymphodepletion: LymphodepletionRegimen;
  dlt: DltRule;
  responseCriteria: ResponseCriteria;
  /** The assessment whose response moves the patient from response assessment to follow-up. */
  primaryResponseVisit: string;
  schedule: VisitSpec[];
  /** How many days before a visit's window opens the site is reminded. */
  reminderLeadDays: number;
  /** How many days before an open window closes, unmet, the site is warned (default 1). */
  closingNoticeDays?: number;
  /** How many days before the DLT window ends the investigator is warned (default 2). */
  dltEndingNoticeDays?: number;
  /** Days from infusion to the end of follow-up. */
  followUpDays: number;
  outcomeMeasures: OutcomeMeasure[];
  /** The time points the record measures response at, beside the best response to date. */
  responseLandmarks?: ResponseLandmark[];
  /** Responses an investigator may record besides the criteria's own (e.g. a PR the record counts in ALL). */
  extraResponses?: string[];
  /** Cohorts that differ in response criteria, endpoints or schedule; a patient registers into one. */
  cohorts?: CohortSpec[];
  /** Set on a version that amends an earlier one. */
  amendment?: Amendment;
  /** Set on a long-term follow-up protocol that patients roll over into. */
  rollover?: RolloverSpec;
  /**
   * A second infusion the protocol allows (none of the seeds does): from how many to how many days
   * after the first, at the patient's assigned dose level, with its own thawed bag and bedside check.
   * Day 0 stays the first infusion's.
   */
  secondInfusion?: { minDaysAfterFirst: number; maxDaysAfterFirst: number; source: string };
  /** The product's stability, release criteria and re-manufacture rules (lifecycle/custody.ts has the defaults). */
  custody?: CustodySpec;
  /** Values the trial record leaves open that this protocol had to choose, stated as assumptions. */
  assumptions: string[];
}
