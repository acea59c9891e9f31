import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { isSchedulerEventType, trialOutcomes, type PatientLog } from '#protocols';
import { requireProtocol } from '../engine/require-protocol';
import { PatientEntity, PatientEventEntity } from '../persistence/entities';
import { Clock } from '../engine/clock';
import { type Actor, canSeeSite } from '../engine/actor';

const OUTCOME_EVENTS = ['INFUSION_COMPLETED', 'RESPONSE_ASSESSED', 'PROGRESSION_OR_RELAPSE', 'DEATH', 'ADVERSE_EVENT_REPORTED', 'LAB_RESULT_RECORDED'];

type LoggedEvent = Pick<PatientEventEntity, 'patientId' | 'type' | 'data' | 'occurredAt'>;

/** Trial outcomes (`GET /trials/:protocolId/outcomes`): a read model computed from the event log. */
@Injectable()
export class OutcomesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * The measures count every patient of the trial; the rows that name a patient (kinetics, cytokine
   * peaks) name only the caller's own sites' patients, by id and subject id, and leave the others anonymous.
   */
  async outcomes(protocolId: string, options: { version?: number; asOf?: string }, actor: Actor) {
    const protocol = requireProtocol(protocolId, options.version);
    const asOf = options.asOf ? new Date(options.asOf).toISOString() : this.clock.now().toISOString();
    const patients = await this.dataSource.getRepository(PatientEntity).find({
      where: { protocolId: protocol.id, protocolVersion: protocol.version },
      select: { id: true, cohort: true, siteId: true, subjectId: true },
      order: { registeredAt: 'ASC' },
    });
    const events: LoggedEvent[] = patients.length
      ? await this.dataSource.getRepository(PatientEventEntity).find({
          where: { patientId: In(patients.map((p) => p.id)) },
          select: { patientId: true, seq: true, type: true, data: true, occurredAt: true },
          order: { patientId: 'ASC', seq: 'ASC' },
        })
      : [];
    const logs = new Map<string, LoggedEvent[]>();
    for (const event of events) {
      const log = logs.get(event.patientId);
      if (log) log.push(event);
      else logs.set(event.patientId, [event]);
    }
    const patientLogs: PatientLog[] = patients.map((p) => outcomeLog(p, logs.get(p.id) ?? []));
    const outcomes = trialOutcomes(protocol.spec, patientLogs, asOf);
    const subjects = new Map(patients.filter((p) => canSeeSite(actor, p.siteId)).map((p) => [p.id, p.subjectId]));
    const named = <T extends { patientId: string }>(row: T) => {
      const subjectId = subjects.get(row.patientId);
      return subjectId === undefined ? { ...row, patientId: null, subjectId: null } : { ...row, subjectId };
    };
    return {
      ...outcomes,
      kinetics: {
        ...outcomes.kinetics,
        perPatient: outcomes.kinetics.perPatient.map(named),
        cytokinePeaks: outcomes.kinetics.cytokinePeaks.map((c) => ({ ...c, peaks: c.peaks.map(named) })),
      },
    };
  }
}

/**
 * A patient's log as the outcomes read it. Every event a person recorded is contact with the patient
 * (survival is censored at the last contact); what the scheduler raised on its own (a reminder, a
 * missed visit, the DLT window or follow-up ending) is not. The outcome events feed the measures.
 */
function outcomeLog(patient: Pick<PatientEntity, 'id' | 'cohort'>, log: LoggedEvent[]): PatientLog {
  const registration = log.find((e) => e.type === 'PATIENT_REGISTERED');
  if (!registration) throw new Error(`the log of patient ${patient.id} has no registration`);
  return {
    patientId: patient.id,
    cohort: patient.cohort,
    birthDate: String(registration.data.birthDate),
    events: log
      .filter((e) => !isSchedulerEventType(e.type))
      .map((e) => ({ type: OUTCOME_EVENTS.includes(e.type) ? e.type : 'CONTACT', data: e.data, occurredAt: e.occurredAt })),
  };
}
