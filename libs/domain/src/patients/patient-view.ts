import type { AnyMachineSnapshot } from 'xstate';
import { labToxicityView, type DataIssue, type PatientDemographics, type Protocol } from '#protocols';
import type { PatientEntity } from '../persistence/entities';
import * as machine from '../kernel/machine-boundary';
import type { ManufacturingSlot } from '../manufacturing/slot-ledger';

/** The patient as the API shows it (docs/api.md, section "Routes", `GET /patients/:id`). */
export function toPatientView(patient: PatientEntity, protocol: Protocol, now: Date, snapshot: AnyMachineSnapshot = machine.restoreMachine(protocol, patient.snapshot)) {
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
    chainOfIdentity: context.enrollment?.coi ?? null,
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
      custody: context.custody ?? null,
      manufacturing: context.manufacturing?.history ?? [],
      bridging: context.bridging ?? [],
      eligibilityReconfirmedAt: context.eligibilityReconfirmedAt ?? null,
      deviations: context.deviations ?? [],
      lymphodepletion: context.lymphodepletion ?? null,
      infusion: context.infusion ?? null,
      dltWindow: context.dltWindow ?? null,
      dlts: context.dlts,
      adverseEventCount: context.adverseEventCount,
      worstAdverseEventGrade: context.worstAdverseEventGrade,
      labResultCount: context.labResultCount,
      labToxicity: labToxicityView(context, now.toISOString()),
      responses: context.responses,
      unscheduledVisits: context.unscheduledVisits ?? [],
      progression: context.progression ?? null,
      offStudy: context.offStudy ?? null,
      reconsent: context.reconsent ?? null,
      migrations: context.migrations ?? [],
      rollover: context.rollover
        ? {
            parentPatientId: context.rollover.parentPatientId,
            parentProtocol: context.rollover.parentProtocol,
            parentSubjectId: context.rollover.parentSubjectId,
            rolledOverAt: context.rollover.rolledOverAt,
          }
        : null,
    },
    registeredAt: patient.registeredAt,
    updatedAt: patient.updatedAt,
  };
}

/** The view, with the manufacturing slot where the answer read it (GET /patients/{id}, an event that took or freed one). */
export type PatientView = ReturnType<typeof toPatientView> & { manufacturingSlot?: ManufacturingSlot | null };

/**
 * The patient as far as its row can be read when its stored snapshot cannot (an odd stored
 * record): the row's own columns, an empty record, nothing accepted or planned, and the data issue.
 * A list of patients keeps answering for the others, and this one says what is wrong with it.
 */
export function unreadablePatientView(patient: PatientEntity, protocol: Protocol, now: Date, error: unknown) {
  const blank = machine.startMachine(protocol, { patient: { subjectId: patient.subjectId } as PatientDemographics }).snapshot;
  const issue: DataIssue = {
    patientId: patient.id,
    seq: patient.lastSeq,
    type: null,
    field: 'snapshot',
    problem: `could not be read: ${error instanceof Error ? error.message : String(error)}`,
  };
  return { ...toPatientView(patient, protocol, now, blank), stateValue: null, acceptedEvents: [], nextVisits: [], dataIssues: [issue] };
}

/** The patient view, or what its row says when the stored snapshot cannot be read. */
export function readablePatientView(patient: PatientEntity, protocol: Protocol, now: Date) {
  try {
    return toPatientView(patient, protocol, now);
  } catch (error) {
    return unreadablePatientView(patient, protocol, now, error);
  }
}
