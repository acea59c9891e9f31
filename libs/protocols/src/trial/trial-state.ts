import type { EscalationAction } from '../statistics';

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
  patientId: string;
  seq: number;
  action: EscalationAction;
  fromLevel: number;
  toLevel: number | null;
  reason: string;
}

/**
 * The state of one protocol version's trial: enrollment against the target, the dose level the next
 * patient receives, the tally per level, the decisions taken and the MTD once known.
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
}

export interface PendingPatient {
  patientId: string;
  level: number;
  /** When the DLT window closes; null until the infusion. */
  closesAt: string | null;
}

export function initialTrialState(firstLevel: number): TrialState {
  return { status: 'open', enrolled: 0, currentDoseLevel: firstLevel, levels: {}, decisions: [], mtd: null, lastInfusionAt: null, pending: [] };
}

export function levelRecord(state: TrialState, level: number): LevelRecord {
  return state.levels[String(level)] ?? { enrolled: 0, evaluable: 0, dlts: 0 };
}
