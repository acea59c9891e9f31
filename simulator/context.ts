import { DAY_MS, type Protocol } from '#protocols';
import type { ApiClient } from './api';
import type { SimClock } from './clock';
import type { SimulatedLab } from './hl7';
import type { Staff } from './staff';
import type { TrialProfile } from './trials';

export interface TrialSetup {
  /**
   * The protocol the engine runs (this build's registry: the engine runs in this process), whose
   * `forCohort(cohort).spec` gives a patient's schedule, response criteria, DLT window and follow-up.
   */
  protocol: Protocol;
  profile: TrialProfile;
  /** The cohort asked for, or null to draw each patient into one. */
  cohort: string | null;
}

/** Something worth a line in the progress output. */
export interface Milestone {
  at: number;
  subjectId?: string;
  text: string;
}

/** What every patient of a run shares. */
export interface SimulationContext {
  api: ApiClient;
  clock: SimClock;
  trial: TrialSetup;
  staff: Staff;
  /** The simulated instant the study opened (study day 0 of the progress output). */
  studyStart: number;
  calendar: InfusionCalendar;
  milestone(m: Milestone): void;
  /** With --amend-at: resolves when no amendment step (approval, migration, re-consent) is under way. */
  amendmentSettled?(): Promise<void>;
  /** With --hl7: the sites' lab system, which sends each lab result as an ORU^R01 over MLLP. */
  lab?: SimulatedLab;
}

/**
 * The sites' shared infusion calendar on a protocol that staggers infusions (NCT03754764: 7 days):
 * each patient's infusion is booked a stagger after the previous booking, as a coordinator would,
 * so that lymphodepletion starts only for an infusion the trial will allow.
 */
export class InfusionCalendar {
  private lastBooked = Number.NEGATIVE_INFINITY;

  constructor(private readonly staggerDays: number) {}

  /** Books the first allowed instant from `earliest` on; `engineLast` is the trial's last infusion as the engine knows it. */
  book(earliest: number, engineLast?: number): number {
    if (!this.staggerDays) return earliest;
    const after = Math.max(this.lastBooked, engineLast ?? Number.NEGATIVE_INFINITY) + (this.staggerDays + 0.25) * DAY_MS;
    const at = Math.max(earliest, after);
    this.lastBooked = at;
    return at;
  }
}
