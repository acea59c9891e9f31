import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { trialOutcomes, type PatientLog } from '#protocols';
import { requireProtocol } from '../engine/require-protocol';
import { PatientEntity, PatientEventEntity } from '../persistence/entities';
import { Clock } from '../engine/clock';

const OUTCOME_EVENTS = ['INFUSION_COMPLETED', 'RESPONSE_ASSESSED', 'PROGRESSION_OR_RELAPSE', 'DEATH', 'ADVERSE_EVENT_REPORTED', 'LAB_RESULT_RECORDED'];

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
      select: { id: true, cohort: true, snapshot: true, subjectId: true },
      order: { registeredAt: 'ASC' },
    });
    const events = patients.length
      ? await this.dataSource.getRepository(PatientEventEntity).find({
          where: { patientId: In(patients.map((p) => p.id)) },
          select: { patientId: true, seq: true, type: true, data: true, occurredAt: true },
          order: { patientId: 'ASC', seq: 'ASC' },
        })
      : [];
    const logs: PatientLog[] = patients.map((p) => {
      const context = (p.snapshot as { context?: { patient?: { birthDate?: string } } }).context;
      return {
        patientId: p.id,
        cohort: p.cohort,
        birthDate: context?.patient?.birthDate ?? '1900-01-01',
        // Every event counts as contact with the patient (censoring at the last contact); the outcome events feed the measures.
        events: events
          .filter((e) => e.patientId === p.id)
          .map((e) => ({ type: OUTCOME_EVENTS.includes(e.type) ? e.type : 'CONTACT', data: e.data, occurredAt: e.occurredAt })),
      };
    });
    return trialOutcomes(protocol.spec, logs, asOf);
  }
}
