import type { PatientContext, PatientInput } from './context';
import type { LifecycleSpec } from './spec';
import type { ClinicalEvent } from '../events';
import { mergeScreeningData } from '../rules/screening-data';
import type { ScreeningData } from '../rules/screening-data';
import { lymphodepletionPlan } from '../rules/chemotherapy-dose';
import { checkCellDose } from '../rules/cell-dose';
import { assessDlt } from '../rules/dlt';
import { allResponse } from '../rules/all-response';
import { addDays } from './clinical-time';

/**
 * How each event changes the patient's record: pure functions of (spec, context, event) that the
 * machine's `assign` actions call, and that the protocol reuses to answer the caller.
 */

type Event<T> = ClinicalEvent<T>;

export function initialContext(input: PatientInput): PatientContext {
  return {
    patient: input.patient,
    screening: {},
    dlts: [],
    adverseEventCount: 0,
    worstAdverseEventGrade: 0,
    labResultCount: 0,
    visits: {},
    responses: [],
  };
}

export const recordScreening = (c: PatientContext, e: Event<ScreeningData>): Partial<PatientContext> => ({
  screening: mergeScreeningData(c.screening, e.data),
});

export const recordConsent = (_c: PatientContext, e: Event<{ consentVersion: string }>): Partial<PatientContext> => ({
  consent: { version: e.data.consentVersion, signedAt: e.occurredAt },
});

export const recordEligibility = (_c: PatientContext, e: Event<{ attestations?: string[] }>): Partial<PatientContext> => ({
  eligibility: { confirmedAt: e.occurredAt, attestations: e.data.attestations ?? [] },
});

export const recordEnrollment = (spec: LifecycleSpec, _c: PatientContext, e: Event<unknown>): Partial<PatientContext> => ({
  enrollment: { enrolledAt: e.occurredAt, doseLevel: spec.doseLevels[0].level },
});

export function recordLymphodepletionStart(
  spec: LifecycleSpec,
  c: PatientContext,
  e: Event<{ weightKg?: number; heightCm?: number }>,
): Partial<PatientContext> {
  const patient = {
    ...c.patient,
    weightKg: e.data.weightKg ?? c.patient.weightKg,
    heightCm: e.data.heightCm ?? c.patient.heightCm,
  };
  const plan = lymphodepletionPlan(spec.lymphodepletion, { heightCm: patient.heightCm, weightKg: patient.weightKg });
  return { patient, lymphodepletion: { startedAt: e.occurredAt, plan } };
}

export function assignedDoseLevel(spec: LifecycleSpec, c: PatientContext) {
  const level = c.enrollment?.doseLevel ?? spec.doseLevels[0].level;
  const dose = spec.doseLevels.find((d) => d.level === level);
  if (!dose) throw new Error(`protocol ${spec.id} v${spec.version} has no dose level ${level}`);
  return dose;
}

export function infusionCellDose(spec: LifecycleSpec, c: PatientContext, e: Event<{ cellsPerKg: number; weightKg?: number }>) {
  const weightKg = e.data.weightKg ?? c.patient.weightKg;
  return { weightKg, ...checkCellDose(e.data.cellsPerKg, weightKg, assignedDoseLevel(spec, c)) };
}

export function recordInfusion(
  spec: LifecycleSpec,
  c: PatientContext,
  e: Event<{ cellsPerKg: number; weightKg?: number }>,
): Partial<PatientContext> {
  const { weightKg, totalCells } = infusionCellDose(spec, c, e);
  return {
    patient: { ...c.patient, weightKg },
    infusion: { infusedAt: e.occurredAt, cellsPerKg: e.data.cellsPerKg, weightKg, totalCells },
    dltWindow: { closesAt: addDays(e.occurredAt, spec.dlt.windowDays) },
    visits: Object.fromEntries(spec.schedule.map((v) => [v.name, { status: 'planned' as const }])),
  };
}

export interface AdverseEventData {
  term: string;
  grade: number;
  onset: string;
  related: boolean;
  serious: boolean;
  resolvedAt?: string;
}

export function adverseEventAssessment(spec: LifecycleSpec, c: PatientContext, e: Event<AdverseEventData>) {
  const onset = e.data.onset.length === 10 ? `${e.data.onset}T00:00:00.000Z` : new Date(e.data.onset).toISOString();
  const dlt = assessDlt(spec.dlt, { ...e.data, onset }, c.infusion?.infusedAt);
  return { term: e.data.term, grade: e.data.grade, onset, dlt: dlt.dlt, dltReason: dlt.reason };
}

export function recordAdverseEvent(spec: LifecycleSpec, c: PatientContext, e: Event<AdverseEventData>): Partial<PatientContext> {
  const assessment = adverseEventAssessment(spec, c, e);
  return {
    adverseEventCount: c.adverseEventCount + 1,
    worstAdverseEventGrade: Math.max(c.worstAdverseEventGrade, assessment.grade),
    dlts: assessment.dlt ? [...c.dlts, { term: assessment.term, grade: assessment.grade, onset: assessment.onset }] : c.dlts,
  };
}

export interface ResponseData {
  visit: string;
  response?: string;
  marrowBlastsPct?: number;
  circulatingBlasts?: boolean;
  extramedullary?: boolean;
  anc?: number;
  platelets?: number;
  mrdPct?: number;
}

/** The response an assessment records: the investigator's call when given, else computed from the findings. */
export function assessedResponse(e: Event<ResponseData>): { response: string; mrdNegative?: boolean } {
  const d = e.data;
  if (d.response) return { response: d.response };
  return allResponse({
    marrowBlastsPct: d.marrowBlastsPct ?? 100,
    circulatingBlasts: d.circulatingBlasts ?? false,
    extramedullary: d.extramedullary ?? false,
    anc: d.anc ?? 0,
    platelets: d.platelets ?? 0,
    mrdPct: d.mrdPct,
  });
}

export const recordResponse = (c: PatientContext, e: Event<ResponseData>): Partial<PatientContext> => ({
  responses: [...c.responses, { visit: e.data.visit, assessedAt: e.occurredAt, ...assessedResponse(e) }],
});

export function recordVisit(c: PatientContext, visit: string, change: Partial<PatientContext['visits'][string]>) {
  const current = c.visits[visit] ?? { status: 'planned' as const };
  return { visits: { ...c.visits, [visit]: { ...current, ...change } } };
}

export const recordOffStudy =
  (reason: string) =>
  (_c: PatientContext, e: Event<{ reason?: string; cause?: string }>): Partial<PatientContext> => ({
    offStudy: { at: e.occurredAt, reason, ...((e.data.reason ?? e.data.cause) ? { detail: e.data.reason ?? e.data.cause } : {}) },
  });
