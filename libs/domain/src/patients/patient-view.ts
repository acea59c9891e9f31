import type { AnyMachineSnapshot } from 'xstate';
import type { Protocol } from '#protocols';
import type { PatientEntity } from '../persistence/entities';
import * as machine from '../engine/machine-boundary';

/** The patient as the API shows it (api.md, `GET /patients/:id`). */
export function toPatientView(
  patient: PatientEntity,
  protocol: Protocol,
  now: Date,
  snapshot: AnyMachineSnapshot = machine.restoreMachine(protocol, patient.snapshot),
) {
  const context = machine.contextOf(snapshot);
  const schedule = protocol.schedule(context, now.toISOString());
  return {
    id: patient.id,
    subjectId: patient.subjectId,
    siteId: patient.siteId,
    protocol: `${patient.protocolId}@${patient.protocolVersion}`,
    cohort: patient.cohort,
    state: patient.state,
    stateValue: snapshot.value,
    status: patient.status,
    version: patient.version,
    lastSeq: patient.lastSeq,
    acceptedEvents: machine.handledEvents(snapshot).posted,
    doseLevel: patient.doseLevel,
    day0: patient.day0,
    nextVisits: schedule.filter((v) => v.status === 'planned' || v.status === 'due').slice(0, 3),
    record: {
      demographics: context.patient,
      screening: context.screening,
      consent: context.consent ?? null,
      eligibility: context.eligibility ?? null,
      enrollment: context.enrollment ?? null,
      leukapheresisAt: context.leukapheresisAt ?? null,
      product: context.product ?? null,
      lymphodepletion: context.lymphodepletion ?? null,
      infusion: context.infusion ?? null,
      dltWindow: context.dltWindow ?? null,
      dlts: context.dlts,
      adverseEventCount: context.adverseEventCount,
      worstAdverseEventGrade: context.worstAdverseEventGrade,
      labResultCount: context.labResultCount,
      responses: context.responses,
      progression: context.progression ?? null,
      offStudy: context.offStudy ?? null,
    },
    registeredAt: patient.registeredAt,
    updatedAt: patient.updatedAt,
  };
}

export type PatientView = ReturnType<typeof toPatientView>;
