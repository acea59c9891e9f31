import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { amendmentName, migrationEntryData, planMigration, PROTOCOL_MIGRATED, type MigrationPlan, type Protocol, type ProtocolMigratedData, type TimerChange } from '#protocols';
import { TransactionRunner } from '../persistence/transaction-runner';
import { EventWriter } from '../persistence/event-writer';
import { PatientEntity, type OutboxEntity, type TimerEntity } from '../persistence/entities';
import { readPatientRows } from '../persistence/stored-rows';
import { NotFoundError, RefusedError, VersionConflictError } from '../errors';
import { type Actor, canSeeSite } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import * as machine from '../kernel/machine-boundary';
import { protocolOf, requireProtocol } from '../kernel/require-protocol';
import { JobDispatcher } from '../scheduling/job-dispatcher';
import type { AuthenticatedSignature } from '../users/signature-service';
import { type PatientView, toPatientView } from '../patients/patient-view';
import { sealedEntry } from '../engine/log-entry';
import { SiteApprovals, type ActiveApproval } from './site-approvals';

/** One patient's migration, done or as it would be done. */
export interface MigrationAnswer {
  patient: PatientView;
  seq: number;
  migration: ProtocolMigratedData;
  /** True when the patient had been migrated by this amendment before: nothing was written, the first migration is answered. */
  replayed: boolean;
}

/** A patient in the dry run: what the migration would do, or why it cannot. */
export interface PreviewRow {
  patientId: string;
  subjectId: string;
  siteId: string;
  version: number;
  state: string;
  /** `migratable` now; `unmigratable` (see `reasons`); `awaitingApproval` at a site whose IRB has not approved; `migrated` already. */
  status: 'migratable' | 'unmigratable' | 'awaitingApproval' | 'migrated';
  toState: string | null;
  reasons: string[];
  visits: MigrationPlan['visits'];
  timers: { kept: number; added: TimerRef[]; moved: TimerRef[]; cancelled: TimerRef[] };
  reconsent: { consentVersion: string; before: string } | null;
  /** When the patient was migrated, for `migrated`. */
  migratedAt?: string;
}

type TimerRef = { sendId: string; dueAt: string; from?: string };

export interface MigrationPreview {
  protocol: string;
  toVersion: number;
  amendment: { effective: string; summary: string; siteApproval: boolean };
  /** The clock the dry run was computed against: timers due before it are added at it. */
  at: string;
  patients: PreviewRow[];
  counts: Record<PreviewRow['status'], number>;
}

/** One patient of a site's batch. */
export interface BatchRow {
  patientId: string;
  subjectId: string;
  outcome: 'migrated' | 'alreadyMigrated' | 'refused';
  seq?: number;
  reasons?: string[];
}

/**
 * Moves patients already on study to an amendment's version (docs/design.md, section "Amendments";
 * ADR 0012): a dry run that writes nothing, and the migration itself, one signed, hash-chained
 * `PROTOCOL_MIGRATED` entry per patient written with the new snapshot and the re-derived timers in
 * one transaction through the one write path (EventWriter).
 */
@Injectable()
export class AmendmentMigrator {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly writer: EventWriter,
    private readonly clock: Clock,
    private readonly dispatcher: JobDispatcher,
    private readonly approvals: SiteApprovals,
  ) {}

  /** The dry run for a protocol's patients on earlier versions at the caller's sites (or one of them). Writes nothing. */
  async preview(protocolId: string, toVersion: number, scope: { siteId?: string }, actor: Actor): Promise<MigrationPreview> {
    const to = this.amendmentVersion(protocolId, toVersion);
    const at = this.clock.now().toISOString();
    const rows = await this.tx.run(async (manager) => {
      const patients = await this.patientsOf(manager, protocolId, scope.siteId, actor);
      const approvals = new Map<string, ActiveApproval | null>();
      const out: PreviewRow[] = [];
      for (const patient of patients) {
        if (!approvals.has(patient.siteId)) approvals.set(patient.siteId, await this.approvalFor(to, patient.siteId, at));
        out.push(await this.previewRow(manager, patient, to, approvals.get(patient.siteId) ?? null, at));
      }
      return out;
    });
    const counts = { migratable: 0, unmigratable: 0, awaitingApproval: 0, migrated: 0 };
    for (const row of rows) counts[row.status] += 1;
    const amendment = to.spec.amendment!;
    return {
      protocol: protocolId,
      toVersion,
      amendment: { effective: amendment.effective, summary: amendment.summary, siteApproval: amendment.siteApproval === true },
      at,
      patients: rows,
      counts,
    };
  }

  /**
   * Migrates one patient, signed. A patient already migrated by this amendment gets the first answer
   * back and nothing is written. Refused (422, nothing written): a version the patient is not below,
   * an amendment not yet approved at the patient's site, a state the amendment does not map, no signature.
   */
  async migrate(patientId: string, toVersion: number, authenticate: (() => Promise<AuthenticatedSignature>) | undefined, actor: Actor): Promise<MigrationAnswer> {
    const now = this.clock.now();
    const at = now.toISOString();
    const outcome = await this.tx.run(async (manager) => {
      const patient = await this.writer.readPatient(manager, patientId);
      if (!patient || !canSeeSite(actor, patient.siteId)) throw new NotFoundError(`Patient ${patientId} does not exist.`);
      const to = this.amendmentVersion(patient.protocolId, toVersion).forCohort(patient.cohort);
      const earlier = await this.earlierMigration(manager, patient, to);
      if (earlier) return { answer: earlier, effects: undefined };
      const approval = await this.approvalFor(to, patient.siteId, at);
      const from = protocolOf(patient);
      const timers = await this.writer.timersOf(manager, patient.id);
      const plan = this.plan(patient, from, to, timers, at);
      const refusals = [...plan.refusals, ...approvalRefusals(to, patient.siteId, approval)];
      if (refusals.length) throw new RefusedError('Migration refused', refusals);
      if (!authenticate) throw signatureNeeded(to);
      const signature = await authenticate();
      const data = migrationEntryData(from.spec, to.spec, plan, approval);
      const snapshot = machine.migrateMachine(to, plan.toState!, plan.context);
      const entry = sealedEntry(patient, { type: PROTOCOL_MIGRATED, data, occurredAt: at, recordedAt: at, reason: null, idempotencyKey: null, actor, signature });
      const updated: PatientEntity = {
        ...patient,
        protocolVersion: to.version,
        state: machine.stateName(snapshot),
        status: machine.isOffStudy(snapshot) ? 'offStudy' : 'active',
        snapshot: machine.persistSnapshot(to, snapshot),
        version: patient.version + 1,
        lastSeq: entry.seq,
        lastHash: entry.hash,
        updatedAt: at,
      };
      const newTimers = [...plan.timers.added, ...plan.timers.moved].map((t) => timerRow(updated, entry.seq, t));
      const outbox = reconsentNotice(updated, entry.seq, at, data);
      const cancel = [...plan.timers.moved, ...plan.timers.cancelled].map((t) => t.sendId);
      const { written, cancelledTimerIds } = await this.writer.write(manager, { expectedVersion: patient.version, patient: updated, entry, timers: newTimers, outbox, cancel });
      if (!written) throw new VersionConflictError(patient.version, (await this.writer.currentVersion(manager, patient.id)) ?? patient.version);
      const answer: MigrationAnswer = { patient: toPatientView(updated, to, now, snapshot), seq: entry.seq, migration: data, replayed: false };
      return { answer, effects: { timers: newTimers, cancelledTimerIds, outbox } };
    });
    if (outcome.effects) await this.dispatcher.afterCommit(outcome.effects);
    return outcome.answer;
  }

  /**
   * Migrates every patient of a site that the amendment can move, one transaction each, under one
   * signature (its password checked once, before the first patient is written). A patient refused
   * does not stop the others; the answer says what happened to each.
   */
  async migrateSite(protocolId: string, toVersion: number, siteId: string, authenticate: (() => Promise<AuthenticatedSignature>) | undefined, actor: Actor): Promise<BatchRow[]> {
    const to = this.amendmentVersion(protocolId, toVersion);
    if (!canSeeSite(actor, siteId)) throw new NotFoundError(`Site ${siteId} is not one of yours.`);
    const at = this.clock.now().toISOString();
    const approval = await this.approvalFor(to, siteId, at);
    const refused = approvalRefusals(to, siteId, approval);
    if (refused.length) throw new RefusedError('Migration refused', refused);
    const patients = await this.tx.run((manager) => this.patientsOf(manager, protocolId, siteId, actor));
    if (!authenticate) throw signatureNeeded(to);
    const candidates = patients.filter((p) => p.protocolVersion < to.version);
    let signed: Promise<AuthenticatedSignature> | undefined;
    const once = () => (signed ??= authenticate());
    const rows: BatchRow[] = [];
    for (const patient of candidates) {
      try {
        const answer = await this.migrate(patient.id, toVersion, once, actor);
        rows.push({ patientId: patient.id, subjectId: patient.subjectId, outcome: answer.replayed ? 'alreadyMigrated' : 'migrated', seq: answer.seq });
      } catch (error) {
        if (!(error instanceof RefusedError)) throw error;
        rows.push({ patientId: patient.id, subjectId: patient.subjectId, outcome: 'refused', reasons: (error.details as { reasons: string[] }).reasons });
      }
    }
    return rows;
  }

  private amendmentVersion(protocolId: string, version: number): Protocol {
    const to = requireProtocol(protocolId, version);
    if (!to.spec.amendment?.migration) {
      throw new RefusedError('Migration refused', [`${protocolId} v${version} has no migration: it reaches only the patients registered on it`]);
    }
    return to;
  }

  private async approvalFor(to: Protocol, siteId: string, at: string): Promise<ActiveApproval | null> {
    return to.spec.amendment?.siteApproval ? this.approvals.activeApproval(to.id, to.version, siteId, at) : null;
  }

  private plan(patient: PatientEntity, from: Protocol, to: Protocol, timers: { pending: TimerEntity[]; settled: string[] }, at: string): MigrationPlan {
    const snapshot = machine.restoreMachine(from, patient.snapshot);
    const pending = timers.pending.map((t) => ({ sendId: t.sendId, type: t.eventType as never, data: t.eventData, dueAt: t.dueAt }));
    return planMigration(
      from.spec,
      to.spec,
      { version: patient.protocolVersion, state: patient.state, context: machine.contextOf(snapshot), pending, settled: timers.settled },
      at,
    );
  }

  /** The first answer, when the patient was already migrated by this amendment; a refusal when it is on that version without one. */
  private async earlierMigration(manager: EntityManager, patient: PatientEntity, to: Protocol): Promise<MigrationAnswer | undefined> {
    if (patient.protocolVersion < to.version) return undefined;
    const ref = `${to.id}@${to.version}`;
    const entry = (await this.writer.entriesOf(manager, patient.id, PROTOCOL_MIGRATED)).find((e) => e.data.to === ref);
    if (!entry) {
      throw new RefusedError('Migration refused', [
        patient.protocolVersion === to.version
          ? `the patient was registered on version ${to.version}: there is nothing to migrate`
          : `the patient is on version ${patient.protocolVersion}, later than ${to.version}`,
      ]);
    }
    const current = protocolOf(patient);
    return { patient: toPatientView(patient, current, this.clock.now()), seq: entry.seq, migration: entry.data as unknown as ProtocolMigratedData, replayed: true };
  }

  private async previewRow(manager: EntityManager, patient: PatientEntity, to: Protocol, approval: ActiveApproval | null, at: string): Promise<PreviewRow> {
    const base = { patientId: patient.id, subjectId: patient.subjectId, siteId: patient.siteId, version: patient.protocolVersion, state: patient.state };
    const empty = { visits: { added: [], dropped: [], notRequired: [] }, timers: { kept: 0, added: [], moved: [], cancelled: [] }, reconsent: null };
    if (patient.protocolVersion >= to.version) {
      const entry = (await this.writer.entriesOf(manager, patient.id, PROTOCOL_MIGRATED)).find((e) => e.data.to === `${to.id}@${to.version}`);
      const reasons = entry ? [] : [`registered on version ${patient.protocolVersion}`];
      return { ...base, ...empty, status: entry ? 'migrated' : 'unmigratable', toState: null, reasons, ...(entry ? { migratedAt: entry.recordedAt } : {}) };
    }
    const variant = to.forCohort(patient.cohort);
    const plan = this.plan(patient, protocolOf(patient), variant, await this.writer.timersOf(manager, patient.id), at);
    const waiting = approvalRefusals(variant, patient.siteId, approval);
    const status = plan.refusals.length ? 'unmigratable' : waiting.length ? 'awaitingApproval' : 'migratable';
    const data = plan.toState ? migrationEntryData(protocolOf(patient).spec, variant.spec, plan, approval) : undefined;
    return {
      ...base,
      status,
      toState: plan.toState,
      reasons: [...plan.refusals, ...waiting],
      visits: plan.visits,
      timers: { kept: plan.timers.kept.length, added: data?.timers.added ?? [], moved: data?.timers.moved ?? [], cancelled: data?.timers.cancelled ?? [] },
      reconsent: data?.reconsent ?? null,
    };
  }

  /** The protocol's patients at one site or at every site the actor may see, every version, in registration order. */
  private async patientsOf(manager: EntityManager, protocolId: string, siteId: string | undefined, actor: Actor): Promise<PatientEntity[]> {
    if (siteId !== undefined && !canSeeSite(actor, siteId)) throw new NotFoundError(`Site ${siteId} is not one of yours.`);
    const sites = siteId !== undefined ? [siteId] : actor.siteIds;
    const ids = await manager.find(PatientEntity, {
      where: { protocolId, ...(sites === 'all' ? {} : { siteId: In(sites) }) },
      select: { id: true },
      order: { registeredAt: 'ASC', id: 'ASC' },
    });
    const rows = new Map(
      (
        await readPatientRows(
          manager.connection,
          ids.map((p) => p.id),
        )
      ).map((row) => [row.id, row]),
    );
    return ids.flatMap((p) => rows.get(p.id) ?? []);
  }
}

function signatureNeeded(to: Protocol): RefusedError {
  return new RefusedError('Migration refused', [
    `moving a patient to ${amendmentName(to)} is an electronic signature: re-enter your signing password and state its meaning (signature.password, signature.meaning)`,
  ]);
}

function approvalRefusals(to: Protocol, siteId: string, approval: ActiveApproval | null): string[] {
  if (!to.spec.amendment?.siteApproval || approval) return [];
  return [`${amendmentName(to)} is not approved at site ${siteId}: no IRB/ethics approval in effect has been recorded for it`];
}

function timerRow(patient: PatientEntity, seq: number, timer: TimerChange): TimerEntity {
  return {
    id: `${patient.id}.${seq}.${timer.sendId}`,
    patientId: patient.id,
    sendId: timer.sendId,
    eventType: timer.type,
    eventData: timer.data,
    dueAt: timer.dueAt,
    status: 'pending',
    createdSeq: seq,
    settledSeq: null,
    settledAt: null,
  };
}

/** The site is told that the patient owes a new consent before the next step. */
function reconsentNotice(patient: PatientEntity, seq: number, at: string, data: ProtocolMigratedData): OutboxEntity[] {
  if (!data.reconsent) return [];
  const message = `Moved to ${data.to}: re-consent to consent version ${data.reconsent.consentVersion} is due before ${data.reconsent.before}`;
  return [
    {
      id: `${patient.id}.${seq}.0`,
      patientId: patient.id,
      seq,
      kind: 'reconsent-due',
      payload: { kind: 'reconsent-due', message, patientId: patient.id, subjectId: patient.subjectId, siteId: patient.siteId, protocol: data.to },
      status: 'pending',
      attempts: 0,
      createdAt: at,
      deliveredAt: null,
    },
  ];
}
