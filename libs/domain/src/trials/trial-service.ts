import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { doseLevelForNextPatient, levelRecord, trialRefusals, type TrialState } from '#protocols';
import { requireProtocol } from '../engine/require-protocol';
import { TrialEntity } from '../persistence/entities';
import { NotFoundError } from '../errors';
import { Clock } from '../engine/clock';
import { TrialLedger } from './trial-ledger';

/** The trial as sponsors and investigators read it (`GET /trials/:protocolId`). */
@Injectable()
export class TrialService implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: TrialLedger,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap() {
    await this.ledger.ensureRows(this.dataSource.manager, this.clock.now().toISOString());
  }

  async get(protocolId: string, version?: number) {
    const protocol = requireProtocol(protocolId, version);
    const row = await this.dataSource.getRepository(TrialEntity).findOneBy({ protocolId: protocol.id, protocolVersion: protocol.version });
    if (!row) throw new NotFoundError(`The trial of ${protocol.id} v${protocol.version} has not started.`);
    const state = row.state as unknown as TrialState;
    const { spec } = protocol;
    // Enrollment is open exactly when the engine would take an ENROLLED now; the reasons say why not.
    const enrollmentClosedReasons = trialRefusals(spec, state, { type: 'ENROLLED', occurredAt: this.clock.now().toISOString(), data: {} });
    return {
      protocol: `${spec.id}@${spec.version}`,
      title: spec.title,
      status: state.status,
      enrolled: state.enrolled,
      target: spec.targetEnrollment,
      enrollmentOpen: enrollmentClosedReasons.length === 0,
      enrollmentClosedReasons,
      doseEscalation: spec.doseEscalation ?? null,
      currentDoseLevel: state.currentDoseLevel,
      nextPatientDoseLevel: doseLevelForNextPatient(state),
      levels: spec.doseLevels.map((d) => ({ ...d, ...levelRecord(state, d.level) })),
      pending: state.pending,
      decisions: state.decisions,
      mtd: state.mtd,
      lastInfusionAt: state.lastInfusionAt,
      version: row.version,
      updatedAt: row.updatedAt,
    };
  }
}
