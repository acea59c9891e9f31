import type { LifecycleSpec } from '../lifecycle/spec';
import { clinicalInstant, DAY_MS } from '../lifecycle/clinical-time';
import { adverseEventGrade, type AdverseEventReport } from '../rules/ctcae';
import { ageOn } from '../rules/eligibility';
import { assessedResponse, type ResponseData } from '../lifecycle/record';

/** One logged event, as the outcomes read it. */
export interface LoggedEvent {
  type: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

export interface PatientLog {
  patientId: string;
  cohort: string | null;
  birthDate: string;
  events: LoggedEvent[];
}

/** What one patient contributes to the trial's outcomes, read from its event log up to `asOf`. */
export interface PatientFacts {
  patientId: string;
  cohort: string | null;
  infusedAt: string | null;
  responses: Array<{ at: string; response: string; mrdNegative?: boolean }>;
  progressionAt: string | null;
  relapseAt: string | null;
  deathAt: string | null;
  lastContactAt: string;
  adverseEvents: Array<{ term: string; grade: number; scale: string }>;
  labs: Array<{ code: string; compartment: string | null; day: number; value: number; unit: string }>;
}

const RANK: Record<string, number> = { CR: 5, CRi: 4, PR: 3, SD: 2, NR: 1, PD: 0 };

export const daysBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / DAY_MS;

/** Best response: CR over CRi over PR over SD over NR over PD. */
export function bestResponse(facts: PatientFacts): string | null {
  return facts.responses.reduce<string | null>((best, r) => (best === null || (RANK[r.response] ?? -1) > (RANK[best] ?? -1) ? r.response : best), null);
}

export function patientFacts(spec: LifecycleSpec, log: PatientLog, asOf: string): PatientFacts {
  const events = log.events.filter((e) => e.occurredAt <= asOf);
  const first = (type: string, where: (e: LoggedEvent) => boolean = () => true) => events.find((e) => e.type === type && where(e))?.occurredAt ?? null;
  const infusedAt = first('INFUSION_COMPLETED');
  const relapses = events.filter((e) => e.type === 'PROGRESSION_OR_RELAPSE');
  return {
    patientId: log.patientId,
    cohort: log.cohort,
    infusedAt,
    responses: events
      .filter((e) => e.type === 'RESPONSE_ASSESSED')
      .map((e) => ({ at: e.occurredAt, ...assessedResponse(spec, { type: 'RESPONSE_ASSESSED', occurredAt: e.occurredAt, data: e.data as unknown as ResponseData }) })),
    progressionAt: relapses[0]?.occurredAt ?? null,
    relapseAt: relapses[0]?.occurredAt ?? null,
    deathAt: first('DEATH'),
    lastContactAt: events.reduce((last, e) => (e.occurredAt > last ? e.occurredAt : last), events[0]?.occurredAt ?? asOf),
    adverseEvents: events
      .filter((e) => e.type === 'ADVERSE_EVENT_REPORTED')
      .map((e) => {
        const report = e.data as unknown as AdverseEventReport;
        const graded = adverseEventGrade(report, ageOn(log.birthDate, report.onset));
        return { term: report.term, grade: graded.grade, scale: graded.scale };
      }),
    labs: infusedAt
      ? events
          .filter((e) => e.type === 'LAB_RESULT_RECORDED')
          .map((e) => {
            const d = e.data as { code: string; compartment?: string; value: number; unit: string; collectedAt: string };
            const collectedAt = clinicalInstant(d.collectedAt, infusedAt);
            return { code: d.code, compartment: d.compartment ?? null, day: daysBetween(infusedAt, collectedAt), value: d.value, unit: d.unit };
          })
      : [],
  };
}
