import type { EscalationAction, LevelTally } from '../statistics';

/** One dose level's tally: who was assigned it, whose DLT window has closed, and how many had a DLT. */
export interface LevelRecord {
  enrolled: number;
  evaluable: number;
  dlts: number;
}

export type TrialStatus = 'open' | 'mtd-found' | 'stopped';

/** A dose-escalation decision, with the counts that led to it. */
export interface TrialDecision {
  at: string;
  /** The patient whose evaluation (or late data) led to the decision, and the entry of its log. */
  patientId: string;
  seq: number;
  action: EscalationAction;
  fromLevel: number;
  toLevel: number | null;
  reason: string;
  /** The MTD the decision names (mtd-found), else null. */
  mtd?: number | null;
  /** The tallies the design was given. */
  tallies?: LevelTally[];
  /**
   * The tallies as late data have corrected them since, while the decision still stands on them (the
   * design, asked again, gave the same answer): what the next correction starts from.
   */
  correctedTallies?: LevelTally[];
  /** How many evaluations (`PatientEvaluation.n`) those tallies hold. */
  evaluationsCounted?: number;
  /**
   * Evaluations beyond `evaluationsCounted` the tallies hold as well: a patient who left during its
   * DLT window, counted late when its DLT was reported after it left (set on a revision only).
   */
  lateEvaluations?: number[];
  /** Set on a revised decision: the index in `decisions` of the decision it replaces. */
  revises?: number;
  /** Why a decision was revised, in words that name no patient. */
  cause?: string;
  /** A revision that only waits for the rest of a cohort: it sends no new cohort anywhere. */
  awaiting?: true;
}

/** A patient as the escalation counted them: the level, whether they had a DLT, and when they became evaluable. */
export interface PatientEvaluation {
  /** 1 for the trial's first evaluable patient, 2 for the next…: a decision counted those up to its `evaluationsCounted`. */
  n: number;
  level: number;
  dlt: boolean;
  /** When the level's DLT data were locked with this evaluation in them; from then on its call is final. */
  lockedAt?: string;
}

/** Who signed a trial-level act (a data lock, a release), and what they meant by it. */
export interface TrialSignature {
  signerId: string;
  signerName: string;
  meaning: string;
  signedAt: string;
}

/** Enrollment held at some levels after a revised decision, until an investigator or admin releases it. */
export interface EnrollmentHold {
  id: number;
  levels: number[];
  /** The revised decision (index in `decisions`) that put the hold. */
  decision: number;
  since: string;
  reason: string;
  released?: TrialSignature;
}

/** A level's DLT data locked: the evaluations it froze, signed. */
export interface DataLock {
  level: number;
  evaluations: number;
  dlts: number;
  signature: TrialSignature;
}

/**
 * The state of one protocol version's trial: enrollment against the target, the dose level the next
 * patient receives, the tally per level, the decisions taken (and revised) and the MTD once known.
 */
export interface TrialState {
  status: TrialStatus;
  enrolled: number;
  currentDoseLevel: number;
  levels: Record<string, LevelRecord>;
  decisions: TrialDecision[];
  mtd: number | null;
  lastInfusionAt: string | null;
  /** Patients holding a dose-level slot whose DLT window has not closed yet (bounded by the cohort). */
  pending: PendingPatient[];
  /** Every evaluable patient, by patient id (bounded by the target enrollment). */
  evaluations: Record<string, PatientEvaluation>;
  holds: EnrollmentHold[];
  locks: DataLock[];
}

export interface PendingPatient {
  patientId: string;
  level: number;
  /** When the DLT window closes; null until the infusion. */
  closesAt: string | null;
}

export function initialTrialState(firstLevel: number): TrialState {
  return {
    status: 'open',
    enrolled: 0,
    currentDoseLevel: firstLevel,
    levels: {},
    decisions: [],
    mtd: null,
    lastInfusionAt: null,
    pending: [],
    evaluations: {},
    holds: [],
    locks: [],
  };
}

/** A stored trial state as the rules read it: a row written before evaluations, holds and locks existed has none. */
export function trialStateOf(stored: unknown): TrialState {
  const state = stored as Partial<TrialState> & Pick<TrialState, 'status' | 'currentDoseLevel'>;
  return { ...initialTrialState(state.currentDoseLevel), ...state } as TrialState;
}

export function levelRecord(state: TrialState, level: number): LevelRecord {
  return state.levels[String(level)] ?? { enrolled: 0, evaluable: 0, dlts: 0 };
}

/** The holds not yet released. */
export const activeHolds = (state: TrialState) => state.holds.filter((h) => !h.released);
