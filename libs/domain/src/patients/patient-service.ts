import { Injectable } from '@nestjs/common';
import { In, type FindOptionsWhere } from 'typeorm';
import type { PatientEntity } from '../persistence/entities';
import { PatientRepository } from '../persistence/repositories/patient-repository';
import { type Actor, canSeeSite } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { protocolOf } from '../kernel/require-protocol';
import * as machine from '../kernel/machine-boundary';
import { NotFoundError } from '../errors';
import { readablePatientView } from './patient-view';
import { ManufacturingService } from '../manufacturing/manufacturing-service';

export interface PatientFilter {
  protocolId?: string;
  cohort?: string;
  state?: string;
  siteId?: string;
  status?: 'active' | 'offStudy';
  limit: number;
  offset: number;
}

/** Reads of patients, always within the actor's sites: a patient of another site does not exist. */
@Injectable()
export class PatientService {
  constructor(
    private readonly patients: PatientRepository,
    private readonly clock: Clock,
    private readonly manufacturing: ManufacturingService,
  ) {}

  /** The patient, with its manufacturing slot (null: none). */
  async get(patientId: string, actor: Actor) {
    const patient = await this.visible(patientId, actor);
    const slots = await this.manufacturing.slotsOf([patient.id]);
    return { ...readablePatientView(patient, protocolOf(patient), this.clock.now()), manufacturingSlot: slots.get(patient.id) ?? null };
  }

  async list(filter: PatientFilter, actor: Actor) {
    if (filter.siteId && !canSeeSite(actor, filter.siteId)) return { items: [], total: 0, limit: filter.limit, offset: filter.offset };
    const where: FindOptionsWhere<PatientEntity> = {
      ...(filter.protocolId ? { protocolId: filter.protocolId } : {}),
      ...(filter.cohort ? { cohort: filter.cohort } : {}),
      ...(filter.state ? { state: filter.state } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.siteId ? { siteId: filter.siteId } : actor.siteIds === 'all' ? {} : { siteId: In(actor.siteIds) }),
    };
    const [listed, total] = await this.patients.page(where, filter);
    // Snapshots are parsed row by row: one that is not JSON is that patient's data issue, not a failed list.
    const byId = new Map((await this.patients.rows(listed.map((p) => p.id))).map((p) => [p.id, p]));
    const rows = listed.map((p) => byId.get(p.id)).filter((p): p is PatientEntity => p !== undefined);
    const now = this.clock.now();
    return {
      items: rows.map((p) => readablePatientView(p, protocolOf(p), now)),
      total,
      limit: filter.limit,
      offset: filter.offset,
    };
  }

  async events(patientId: string, actor: Actor, page: { afterSeq: number; limit: number }) {
    await this.visible(patientId, actor);
    const rows = await this.patients.entries(patientId, page);
    return rows.map(({ patientId: _p, ...entry }) => entry);
  }

  async schedule(patientId: string, actor: Actor) {
    const patient = await this.visible(patientId, actor);
    const protocol = protocolOf(patient);
    const context = machine.contextOf(machine.restoreMachine(protocol, patient.snapshot));
    const now = this.clock.now().toISOString();
    // `now` is the clock the statuses were read against (a client's own clock may differ).
    return { patientId, day0: patient.day0, now, visits: protocol.schedule(context, now) };
  }

  /**
   * The patient row, if the actor may see it. Its snapshot is parsed on its own: one that is not
   * JSON reads as undefined, which the patient view reports as a data issue.
   */
  async visible(patientId: string, actor: Actor): Promise<PatientEntity> {
    const [patient] = await this.patients.rows([patientId]);
    if (!patient || !canSeeSite(actor, patient.siteId)) throw new NotFoundError(`Patient ${patientId} does not exist.`);
    return patient;
  }
}
