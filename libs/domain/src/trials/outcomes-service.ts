import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { isSchedulerEventType, trialOutcomes, type PatientLog } from '#protocols';
import { requireProtocol } from '../engine/require-protocol';
import { PatientEntity, PatientEventEntity } from '../persistence/entities';
import { Clock } from '../engine/clock';

const OUTCOME_EVENTS = ['INFUSION_COMPLETED', 'RESPONSE_ASSESSED', 'PROGRESSION_OR_RELAPSE', 'DEATH', 'ADVERSE_EVENT_REPORTED', 'LAB_RESULT_RECORDED'];

type LoggedEvent = Pick<PatientEventEntity, 'patientId' | 'type' | 'data' | 'occurredAt'>;

/** Trial outcomes (`GET /trials/:protocolId/outcomes`): a read model computed from the event log. */
@Injectable()
export class OutcomesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async outcomes(protocolId: string, options: { version?: number; asOf?: string }) {
    const protocol = requireProtocol(protocolId, options.version);
    const asOf = options.asOf ? new Date(options.asOf).toISOString() : this.clock.now().toISOString();
    const patients = await this.dataSource.getRepository(PatientEntity).find({
      where: { protocolId: protocol.id, protocolVersion: protocol.version },
      select: { id: true, cohort: true },
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
    return trialOutcomes(protocol.spec, patientLogs, asOf);
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
