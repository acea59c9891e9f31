import type { ApiClient } from './api';
import { DAY_MS, type SimClock } from './clock';
import type { Staff } from './staff';
import type { TrialProfile } from './trials';

/** A visit of the schedule, as GET /protocols/:id gives it. */
export interface VisitDefinition {
  name: string;
  day: number;
  windowBeforeDays: number;
  windowAfterDays: number;
  assessments: string[];
}

export interface DoseLevelDefinition {
  level: number;
  label: string;
  minCellsPerKg: number;
  maxCellsPerKg: number;
}

/** What a cohort changes (GET /protocols/:id, `cohorts`). */
export interface CohortDefinition {
  id: string;
  title: string;
  diagnoses: string[];
  responseCriteria?: 'ALL' | 'LUGANO_2014';
  primaryResponseVisit?: string;
  schedule?: VisitDefinition[];
  followUpDays?: number;
}

/** The parts of the protocol definition (GET /protocols/:id) the simulator works from. */
export interface ProtocolDefinition {
  id: string;
  version: number;
  title: string;
  targetEnrollment: number;
  doseLevels: DoseLevelDefinition[];
  dlt: { windowDays: number };
  responseCriteria: 'ALL' | 'LUGANO_2014';
  primaryResponseVisit: string;
  schedule: VisitDefinition[];
  followUpDays: number;
  cohorts: CohortDefinition[];
}

/** The schedule, response criteria and follow-up a patient of a cohort runs. */
export interface CohortPlan {
  responseCriteria: 'ALL' | 'LUGANO_2014';
  primaryResponseVisit: string;
  schedule: VisitDefinition[];
  followUpDays: number;
}

export function cohortPlan(definition: ProtocolDefinition, cohort: string | null): CohortPlan {
  const own = definition.cohorts.find((c) => c.id === cohort);
  return {
    responseCriteria: own?.responseCriteria ?? definition.responseCriteria,
    primaryResponseVisit: own?.primaryResponseVisit ?? definition.primaryResponseVisit,
    schedule: own?.schedule ?? definition.schedule,
    followUpDays: own?.followUpDays ?? definition.followUpDays,
  };
}

/** The dose-escalation design of the trial (GET /trials/:id, `doseEscalation`), or null on a single-level trial. */
export interface EscalationDefinition {
  design: string;
  cohortSize: number;
  staggerDays?: number;
}

export interface TrialSetup {
  definition: ProtocolDefinition;
  escalation: EscalationDefinition | null;
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
