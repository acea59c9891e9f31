/** The answers of the HTTP API as the console reads them (see the OpenAPI page at /docs). */

export type Role = 'coordinator' | 'investigator' | 'lab' | 'monitor' | 'admin';

/** Every error answer: `{ error, message, … }`, with extra fields for some codes. */
export interface ApiErrorBody {
  error: string;
  message: string;
  /** 400 invalid_input: one per wrong field. */
  issues?: string[];
  /** 422 refused: one plain sentence per unmet rule. */
  reasons?: string[];
  /** 409 event_not_accepted. */
  state?: string;
  acceptedEvents?: string[];
  /** 409 version_conflict. */
  currentVersion?: number;
}

export interface User {
  id: string;
  name: string;
  role: Role;
  siteIds: string[] | 'all';
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

// ---------------------------------------------------------------- worklist

export interface WorklistTrial {
  protocolId: string;
  title: string;
  patients: number;
  active: number;
  byState: Record<string, number>;
}

export interface WorklistPatient {
  id: string;
  subjectId: string;
  siteId: string;
  protocolId: string;
  protocolVersion: number;
  cohort: string | null;
  state: string;
  status: 'active' | 'offStudy';
  doseLevel: number | null;
  day0: string | null;
  updatedAt: string;
}

export interface WorklistVisit {
  patientId: string;
  subjectId: string;
  protocolId: string;
  visit: string;
  day: number;
  targetDate: string;
  windowStart: string;
  windowEnd: string;
  daysOverdue?: number;
}

export interface WorklistDltWindow {
  patientId: string;
  subjectId: string;
  protocolId: string;
  doseLevel: number | null;
  infusedAt: string | null;
  closesAt: string;
  daysLeft: number;
}

export interface Notification {
  id: string;
  patientId: string | null;
  kind: string;
  message: string;
  payload?: { subjectId?: string; protocol?: string; siteId?: string } & Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
}

/**
 * A stored record a read model left out because it could not use it (a value from before today's
 * bounds, an unparseable date, a missing field): the patient (null for another site's), the log
 * entry (null: the patient's stored row), the field and what is wrong.
 */
export interface DataIssue {
  patientId: string | null;
  subjectId: string | null;
  seq: number | null;
  type: string | null;
  field: string;
  problem: string;
}

export interface Worklist {
  now: string;
  user: User;
  trials: WorklistTrial[];
  patients: WorklistPatient[];
  visits: { dueToday: WorklistVisit[]; overdue: WorklistVisit[] };
  dltWindows: WorklistDltWindow[];
  notifications: { unread: number; items: Notification[] };
  dataIssues: DataIssue[];
  truncated?: boolean;
}

// ---------------------------------------------------------------- patients

/** `cancelled`: the patient went off study before the visit was done or missed; it will not happen. */
export type VisitStatus = 'planned' | 'due' | 'done' | 'missed' | 'cancelled';

export interface Visit {
  name: string;
  day: number;
  targetDate: string;
  windowStart: string;
  windowEnd: string;
  assessments?: string[];
  status: VisitStatus;
  cancelledAt?: string;
}

export interface Schedule {
  patientId: string;
  day0: string | null;
  /** The server's clock the visit statuses were read against (the browser's may differ). */
  now: string;
  visits: Visit[];
}

export interface DoseLevel {
  level: number;
  label: string;
  minCellsPerKg: number;
  maxCellsPerKg: number;
}

export interface LymphodepletionPlan {
  bsaM2: number;
  measuredBsaM2: number;
  bsaCapped: boolean;
  agents: Array<{ agent: string; mgPerM2: number; days: number[]; dailyMg: number; totalMg: number; capped: boolean }>;
}

export interface DltRecord {
  term: string;
  grade: number;
  onset: string;
  provisional?: boolean;
  /** Set when an investigator's adjudication made the call. */
  adjudicated?: boolean;
}

export interface PatientRecord {
  demographics: { subjectId: string; sex: string; birthDate: string; weightKg: number; heightCm: number };
  screening: Record<string, unknown>;
  consent: { version: string; signedAt: string } | null;
  eligibility: { confirmedAt: string; attestations: string[] } | null;
  enrollment: { enrolledAt: string; doseLevel: number } | null;
  leukapheresisAt: string | null;
  product: { releasedAt: string; lot?: string } | null;
  lymphodepletion: { startedAt: string; plan: LymphodepletionPlan; completedAt?: string } | null;
  infusion: { infusedAt: string; cellsPerKg: number; weightKg: number; totalCells: number } | null;
  dltWindow: { closesAt: string; closedAt?: string } | null;
  dlts: DltRecord[];
  adverseEventCount: number;
  worstAdverseEventGrade: number | null;
  labResultCount: number;
  responses: Array<{ visit: string; response: string; at?: string; mrdNegative?: boolean | null }>;
  progression: { kind: string; at?: string } | null;
  offStudy: { reason?: string; at?: string; state?: string } | null;
}

export interface Patient {
  id: string;
  subjectId: string;
  siteId: string;
  /** "id@version" */
  protocol: string;
  cohort: string | null;
  state: string;
  stateValue: unknown;
  status: 'active' | 'offStudy';
  version: number;
  lastSeq: number;
  acceptedEvents: string[];
  doseLevel: number | null;
  day0: string | null;
  nextVisits: Visit[];
  record: PatientRecord;
  registeredAt: string;
  updatedAt: string;
}

export interface Signature {
  signerId: string;
  signerName: string;
  meaning: string;
  signedAt: string;
}

export interface LogEntry {
  seq: number;
  type: string;
  data: Record<string, unknown>;
  actor: string;
  actorName: string | null;
  reason: string | null;
  occurredAt: string;
  recordedAt: string;
  idempotencyKey: string | null;
  signature: Signature | null;
  prevHash: string;
  hash: string;
}

export interface EventBody {
  type: string;
  occurredAt?: string;
  data: Record<string, unknown>;
  reason?: string;
  signature?: { password: string; meaning: string };
}

export interface EventAnswer {
  patient: Patient;
  seq: number;
  result?: Record<string, unknown> | null;
}

// ---------------------------------------------------------------- protocols

export interface ProtocolSummary {
  id: string;
  version: number;
  versions: number[];
  title: string;
  registryId: string | null;
  phase: string;
  targetEnrollment: number;
}

/** A JSON Schema (draft 2020-12, as zod writes it) of an event's `data`. */
export type JsonSchema = Record<string, unknown>;

export interface ScheduleEntry {
  name: string;
  day: number;
  windowBeforeDays: number;
  windowAfterDays: number;
  assessments: string[];
}

export interface Cohort {
  id: string;
  title: string;
  diagnoses: string[];
  responseCriteria?: string;
  primaryResponseVisit?: string;
  schedule?: ScheduleEntry[];
}

export interface ProtocolState {
  id: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  accepts: string[];
  scheduled: string[];
  /** `offStudy` on the states a patient is off study in. */
  tags?: string[];
}

export interface ProtocolDefinition {
  id: string;
  version: number;
  title: string;
  officialTitle?: string;
  registryId: string | null;
  phase: string;
  product?: string;
  disease?: string;
  targetEnrollment: number;
  attestations: Record<string, string>;
  doseLevels: DoseLevel[];
  responseCriteria: string;
  primaryResponseVisit: string;
  schedule: ScheduleEntry[];
  followUpDays: number;
  cohorts: Cohort[] | null;
  dlt?: { windowDays: number; description?: string };
  eventData: Record<string, JsonSchema>;
  states: ProtocolState[];
}

// ---------------------------------------------------------------- trials

export interface EscalationDecisionRecord {
  index: number;
  at: string;
  /** Null for another site's patient: counted, never named. */
  patientId: string | null;
  subjectId: string | null;
  seq: number | null;
  action: 'escalate' | 'stay' | 'de-escalate' | 'mtd-found' | 'stop';
  fromLevel: number;
  toLevel: number | null;
  mtd: number | null;
  reason: string;
  /** On a revised decision: the index of the decision it replaces, and why. */
  revises: number | null;
  cause: string | null;
  /** On a decision that was revised: the index of its revision. */
  revisedBy: number | null;
}

export interface TrialSignature {
  signerId: string;
  signerName: string;
  meaning: string;
  signedAt: string;
}

export interface EnrollmentHold {
  id: number;
  levels: number[];
  decision: number;
  since: string;
  reason: string;
  active: boolean;
  released: TrialSignature | null;
}

export interface Trial {
  protocol: string;
  title: string;
  status: string;
  enrolled: number;
  target: number;
  enrollmentOpen: boolean;
  enrollmentClosedReasons: string[];
  doseEscalation: { design: string; cohortSize?: number; staggerDays?: number; targetDltRate?: number } | null;
  currentDoseLevel: number | null;
  nextPatientDoseLevel: number | null;
  levels: Array<DoseLevel & { enrolled: number; evaluable: number; dlts: number; dataLockedAt: string | null }>;
  /** Another site's patient is counted with `patientId` null. */
  pending: Array<{ patientId: string | null; subjectId: string | null; level: number; closesAt: string | null }>;
  decisions: EscalationDecisionRecord[];
  holds: EnrollmentHold[];
  dataLocks: Array<{ level: number; evaluations: number; dlts: number; signature: TrialSignature }>;
  mtd: number | null;
  lastInfusionAt: string | null;
}

export interface Proportion {
  successes: number;
  n: number;
  rate: number | null;
  ci: { lower: number; upper: number } | null;
}

export interface SurvivalPoint {
  time: number;
  atRisk: number;
  events: number;
  censored: number;
  survival: number;
  standardError: number | null;
  lower: number | null;
  upper: number | null;
}

export interface KaplanMeier {
  points: SurvivalPoint[];
  median: number | null;
  medianCi: { lower: number | null; upper: number | null };
  n: number;
  events: number;
}

export interface GradeCount {
  grade: number;
  patients: number;
}

export interface KineticsRow {
  /** Null (with `subjectId`) for a patient at a site the caller cannot see. */
  patientId: string | null;
  subjectId: string | null;
  compartment: string;
  cmax: number | null;
  tmax: number | null;
  auc: number;
  samples: number;
  /** One CAR_COPIES value per study day, in day order. */
  curve: Array<{ day: number; value: number }>;
}

export interface OutcomeGroup {
  participants: number;
  infused: number;
  response: {
    /** ALL, LUGANO_2014, or BY_COHORT where the group's cohorts differ (each patient counted by its own). */
    criteria: string;
    criteriaByCohort?: Record<string, string>;
    objectiveResponses: string[];
    orr: Proportion;
    mrdNegativeOrr: Proportion;
    dcr?: Proportion;
    bestResponse: Array<{ response: string; patients: number }>;
  };
  survival: { unit: string; os: KaplanMeier | null; pfs: KaplanMeier | null; efs: KaplanMeier | null; dor: KaplanMeier | null };
  safety: {
    participantsWithGrade3OrWorse: number;
    adverseEventsByTerm: Array<{ term: string; byWorstGrade: GradeCount[] }>;
    crsByGrade: GradeCount[];
    icansByGrade: GradeCount[];
  };
  kinetics: {
    perPatient: KineticsRow[];
    summary: Array<{ compartment: string; patients: number; medianCmax: number | null; medianTmax: number | null; medianAuc0to28: number | null }>;
    cytokinePeaks: Array<{ code: string; patients: number; medianPeak: number | null; peaks: Array<{ patientId: string | null; subjectId: string | null; peak: number; day: number; unit: string }> }>;
  };
}

export interface Outcomes extends OutcomeGroup {
  protocol: string;
  asOf: string;
  cohorts: Array<OutcomeGroup & { cohort: string }>;
  /** Stored records left out of these outcomes. */
  dataIssues: DataIssue[];
}
