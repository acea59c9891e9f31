import type { ScreeningData } from '../rules/screening-data';
import type { LymphodepletionPlan } from '../rules/chemotherapy-dose';
import type { LesionSize } from '../rules/lugano-response';
import type { LabToxicityRecord } from './lab-toxicity';
import type { CustodyStep, ReleaseCriterion } from '../rules/custody';
import type { DeviationRecord, ManufacturingAttempt } from './custody';

export type Sex = 'female' | 'male' | 'other' | 'unknown';

export interface PatientDemographics {
  subjectId: string;
  sex: Sex;
  birthDate: string;
  weightKg: number;
  heightCm: number;
}

/** What the machine is started with at registration. */
export interface PatientInput {
  patient: PatientDemographics;
  /** A rollover into long-term follow-up: the parent patient and its infusion, which stays Day 0. */
  rollover?: RolloverRecord;
}

export interface RolloverRecord {
  parentPatientId: string;
  parentProtocol: string;
  parentSubjectId: string;
  rolledOverAt: string;
  infusion: NonNullable<PatientContext['infusion']>;
  /** The long-term follow-up consent the patient signed to roll over. */
  consent: { version: string; signedAt: string };
}

/** `notRequired`: a visit the patient will not have, with the reason (its window closed before an amendment or a rollover reached the patient, or re-consent was declined). */
export type VisitStatus = 'planned' | 'done' | 'missed' | 'notRequired';

/** What a long-term follow-up visit asks (FDA, Long Term Follow-up After Administration of Human Gene Therapy Products, 2020): each new since the last visit. */
export interface VisitFindings {
  newMalignancy?: boolean;
  newNeurologicalDisorder?: boolean;
  newRheumatologicalOrAutoimmuneDisorder?: boolean;
  newHaematologicalDisorder?: boolean;
  seriousInfection?: boolean;
  details?: string;
}

export interface VisitRecord {
  status: VisitStatus;
  findings?: VisitFindings;
  /** Why a visit is not required. */
  reason?: string;
  remindedAt?: string;
  completedAt?: string;
  missedAt?: string;
  outOfWindow?: boolean;
}

export interface DltRecord {
  term: string;
  grade: number;
  onset: string;
  /** An expected event that counts as a DLT unless it resolves within the protocol's allowance. */
  provisional?: boolean;
  /** Set once the investigator adjudicated the call. */
  adjudicated?: boolean;
  /** A prolonged cytopenia confirmed from a lab proposal: the study day of the count that showed it (a later report of the AE keeps the call). */
  persistsOnStudyDay?: number;
}

/** A Lugano target lesion: its baseline size, once given, and its measurements on study. */
export interface LesionRecord {
  baseline?: LesionSize;
  measured: Array<LesionSize & { at: string }>;
}

/**
 * The patient's running record inside the machine. It stays bounded: counts and the facts the
 * protocol needs to decide, never the whole history (the event log holds that).
 */
export interface PatientContext {
  patient: PatientDemographics;
  screening: ScreeningData;
  consent?: { version: string; signedAt: string };
  eligibility?: { confirmedAt: string; attestations: string[] };
  /**
   * `coi`: the chain-of-identity identifier the engine allocated at enrollment (rules/chain-of-identity.ts);
   * absent for a patient enrolled before identifiers were allocated.
   */
  enrollment?: { enrolledAt: string; doseLevel: number; coi?: string };
  leukapheresisAt?: string;
  /**
   * Where the product is in its chain of custody (rules/custody.ts) and since when; the bag and lot it
   * carries, and when it was thawed. Absent before the collection, and on a patient collected before
   * custody was tracked.
   */
  custody?: { step: CustodyStep; at: string; bagId?: string; lot?: string; thawedAt?: string };
  /** Each manufacturing attempt, the first included: from what, when it started, how it ended. */
  manufacturing?: { history: ManufacturingAttempt[] };
  /** `outOfSpecification`: the release criteria waived on the investigator's signed justification. */
  product?: { releasedAt: string; lot?: string; viableCarTCells?: number; outOfSpecification?: ReleaseCriterion[] };
  /** Bridging therapy given between the apheresis and lymphodepletion. */
  bridging?: Array<{ regimen: string; startedOn: string; endedOn?: string; recordedAt: string }>;
  /** When the investigator last re-confirmed eligibility after bridging therapy. */
  eligibilityReconfirmedAt?: string;
  /** Protocol deviations of the custody chain: a stability window or post-thaw limit passed, a shipper out of temperature, an out-of-specification release. */
  deviations?: DeviationRecord[];
  lymphodepletion?: { startedAt: string; completedAt?: string; plan: LymphodepletionPlan };
  infusion?: { infusedAt: string; cellsPerKg: number; weightKg: number; totalCells: number };
  /** A second infusion, where the protocol allows one; Day 0 stays the first's. */
  secondInfusion?: { infusedAt: string; cellsPerKg: number; weightKg: number; totalCells: number };
  dltWindow?: { closesAt: string; closedAt?: string };
  dlts: DltRecord[];
  /** AEs the investigator adjudicated as not dose-limiting (term and onset), so a later report does not count them again. */
  dltsOverturned?: Array<{ term: string; onset: string; grade: number }>;
  adverseEventCount: number;
  worstAdverseEventGrade: number;
  labResultCount: number;
  /** Toxicity from the labs: baselines, latest grades, open AE proposals and the ANC series (lab-toxicity.ts). Absent until a graded result arrives. */
  labToxicity?: LabToxicityRecord;
  visits: Record<string, VisitRecord>;
  /** Visits the schedule does not plan, each with its reason (README, "Protocol deviations"). Absent until the first. */
  unscheduledVisits?: Array<{ at: string; reason: string }>;
  /** How many deviations the site recorded by hand (PROTOCOL_DEVIATION_RECORDED); the log holds each one. */
  deviationsRecorded?: number;
  responses: Array<{ visit: string; response: string; assessedAt: string; mrdNegative?: boolean }>;
  /**
   * Lugano target lesions by id: the baseline size and each measurement on study, from which the
   * nadir of a later assessment is found. Absent until an assessment measures lesions.
   */
  lesions?: Record<string, LesionRecord>;
  progression?: { at: string; kind: string; antigenNegative?: boolean };
  offStudy?: { at: string; reason: string; detail?: string };
  /** Each amendment the patient was migrated by: from which version to which, when, and the state it mapped. */
  migrations?: Array<{ from: number; to: number; at: string; fromState: string; toState: string }>;
  /** Re-consent an amendment asks of the patient: due from the migration until signed or declined. */
  reconsent?: {
    consentVersion: string;
    amendment: number;
    dueSince: string;
    status: 'due' | 'signed' | 'declined';
    settledAt?: string;
    /** Events refused while it is due. */
    blocks: string[];
    /** The visits the amendment added: not required of a patient who declines. */
    addedVisits: string[];
  };
  /** Set on a patient of a long-term follow-up protocol: who it was on the parent trial. */
  rollover?: RolloverRecord;
}
