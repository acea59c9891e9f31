import type { ScreeningData } from '../rules/screening-data';
import type { LymphodepletionPlan } from '../rules/chemotherapy-dose';
import type { LesionSize } from '../rules/lugano-response';

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
}

export type VisitStatus = 'planned' | 'done' | 'missed';

export interface VisitRecord {
  status: VisitStatus;
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
  enrollment?: { enrolledAt: string; doseLevel: number };
  leukapheresisAt?: string;
  product?: { releasedAt: string; lot?: string };
  lymphodepletion?: { startedAt: string; completedAt?: string; plan: LymphodepletionPlan };
  infusion?: { infusedAt: string; cellsPerKg: number; weightKg: number; totalCells: number };
  dltWindow?: { closesAt: string; closedAt?: string };
  dlts: DltRecord[];
  /** AEs the investigator adjudicated as not dose-limiting (term and onset), so a later report does not count them again. */
  dltsOverturned?: Array<{ term: string; onset: string; grade: number }>;
  adverseEventCount: number;
  worstAdverseEventGrade: number;
  labResultCount: number;
  visits: Record<string, VisitRecord>;
  responses: Array<{ visit: string; response: string; assessedAt: string; mrdNegative?: boolean }>;
  /**
   * Lugano target lesions by id: the baseline size and each measurement on study, from which the
   * nadir of a later assessment is found. Absent until an assessment measures lesions.
   */
  lesions?: Record<string, LesionRecord>;
  progression?: { at: string; kind: string; antigenNegative?: boolean };
  offStudy?: { at: string; reason: string; detail?: string };
}
