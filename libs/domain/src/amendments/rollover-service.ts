import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { findProtocol, ROLLED_OVER, type PatientInput, type Protocol } from '#protocols';
import { TransactionRunner } from '../persistence/transaction-runner';
import { EventWriter } from '../persistence/event-writer';
import { LabPatientIdentifierEntity, type PatientEntity } from '../persistence/entities';
import { insertRows } from '../persistence/insert-rows';
import { GENESIS_HASH } from '../audit/hash-chain';
import { AlreadyExistsError, NotFoundError, RefusedError, VersionConflictError } from '../errors';
import { type Actor, canSeeSite } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import * as machine from '../kernel/machine-boundary';
import { protocolOf } from '../kernel/require-protocol';
import { JobDispatcher } from '../scheduling/job-dispatcher';
import { type PatientView, toPatientView } from '../patients/patient-view';
import { planEffects, sealedEntry } from '../engine/log-entry';

export interface RolloverCommand {
  /** The long-term follow-up protocol (its newest version). */
  protocolId: string;
  /** The consent to long-term follow-up the patient signed, and when (not in the future). */
  consentVersion: string;
  consentSignedAt: string;
  /** The subject id on the follow-up protocol; the parent's when not given. */
  subjectId?: string;
}

export interface RolloverAnswer {
  patient: PatientView;
  parentPatientId: string;
  /** True when the patient had rolled over before: nothing was written. */
  replayed: boolean;
}

/**
 * Rolls a patient over from a trial into its long-term follow-up protocol (docs/design.md, section
 * "Amendments"): a new patient on the follow-up protocol whose registration carries the parent's
 * Day 0 and the follow-up consent, and a `ROLLED_OVER` entry in the parent's log naming it, both
 * written in one transaction through the one write path. A second rollover of the same patient
 * answers the first.
 */
@Injectable()
export class RolloverService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly writer: EventWriter,
    private readonly clock: Clock,
    private readonly dispatcher: JobDispatcher,
  ) {}

  async rollOver(parentId: string, command: RolloverCommand, actor: Actor): Promise<RolloverAnswer> {
    const now = this.clock.now();
    const at = now.toISOString();
    const outcome = await this.tx
      .run(async (manager) => {
        const parent = await this.writer.readPatient(manager, parentId);
        if (!parent || !canSeeSite(actor, parent.siteId)) throw new NotFoundError(`Patient ${parentId} does not exist.`);
        const earlier = (await this.writer.entriesOf(manager, parent.id, ROLLED_OVER))[0];
        if (earlier) {
          const child = await this.writer.readPatient(manager, String(earlier.data.patientId));
          if (!child) throw new Error(`the rollover of ${parent.id} names patient ${String(earlier.data.patientId)}, which is not there`);
          return { answer: { patient: toPatientView(child, protocolOf(child), now), parentPatientId: parent.id, replayed: true }, effects: undefined };
        }
        const ltfu = findProtocol(command.protocolId);
        const parentProtocol = protocolOf(parent);
        const parentContext = machine.contextOf(machine.restoreMachine(parentProtocol, parent.snapshot));
        const refusals = rolloverRefusals(ltfu, command, parent, parentContext.infusion, at);
        if (refusals.length || !ltfu || !parentContext.infusion) throw new RefusedError('Rollover refused', refusals);
        const subjectId = command.subjectId ?? parent.subjectId;
        if (await this.writer.subjectTaken(manager, ltfu.id, subjectId)) throw new AlreadyExistsError(`Subject ${subjectId} is already registered on ${ltfu.id}.`);

        const input: PatientInput = {
          patient: parentContext.patient,
          rollover: {
            parentPatientId: parent.id,
            parentProtocol: `${parent.protocolId}@${parent.protocolVersion}`,
            parentSubjectId: parent.subjectId,
            rolledOverAt: at,
            infusion: parentContext.infusion,
            consent: { version: command.consentVersion, signedAt: command.consentSignedAt },
          },
        };
        const { snapshot, actions } = machine.startMachine(ltfu, input);
        const context = machine.contextOf(snapshot);
        const registered: PatientEntity = {
          id: randomUUID(),
          subjectId,
          siteId: parent.siteId,
          protocolId: ltfu.id,
          protocolVersion: ltfu.version,
          cohort: null,
          state: machine.stateName(snapshot),
          status: 'active',
          snapshot: machine.persistSnapshot(ltfu, snapshot),
          version: 1,
          lastSeq: 0,
          lastHash: GENESIS_HASH,
          day0: context.infusion?.infusedAt ?? null,
          doseLevel: null,
          registeredAt: at,
          updatedAt: at,
        };
        const demographics = { ...parentContext.patient, subjectId };
        const registration = sealedEntry(registered, {
          type: 'PATIENT_REGISTERED',
          data: { protocol: `${ltfu.id}@${ltfu.version}`, siteId: parent.siteId, ...demographics, rollover: input.rollover },
          occurredAt: at,
          recordedAt: at,
          reason: null,
          idempotencyKey: null,
          actor,
        });
        const child = { ...registered, lastSeq: registration.seq, lastHash: registration.hash };
        const { timers, outbox } = planEffects(child, registration, actions);
        await this.writer.write(manager, { expectedVersion: null, patient: child, entry: registration, timers, outbox, cancel: [] });

        const note = sealedEntry(parent, {
          type: ROLLED_OVER,
          data: { to: `${ltfu.id}@${ltfu.version}`, patientId: child.id, subjectId },
          occurredAt: at,
          recordedAt: at,
          reason: null,
          idempotencyKey: null,
          actor,
        });
        const parentAfter = { ...parent, version: parent.version + 1, lastSeq: note.seq, lastHash: note.hash, updatedAt: at };
        const { written } = await this.writer.write(manager, { expectedVersion: parent.version, patient: parentAfter, entry: note, timers: [], outbox: [], cancel: [] });
        if (!written) throw new VersionConflictError(parent.version, (await this.writer.currentVersion(manager, parent.id)) ?? parent.version);
        // The site's lab keeps sending results under the parent's subject id: from now on it names the follow-up's patient (README, "Lab systems").
        // The identifiers a person saved for the parent (an MRN) name the follow-up's patient too.
        await manager.update(LabPatientIdentifierEntity, { siteId: parent.siteId, patientId: parent.id }, { patientId: child.id });
        await manager.delete(LabPatientIdentifierEntity, { siteId: parent.siteId, identifier: parent.subjectId });
        await insertRows(manager, LabPatientIdentifierEntity, {
          id: randomUUID(),
          siteId: parent.siteId,
          identifier: parent.subjectId,
          patientId: child.id,
          createdBy: actor.id,
          createdAt: at,
        });
        const answer = { patient: toPatientView(child, ltfu, now, snapshot), parentPatientId: parent.id, replayed: false };
        return { answer, effects: { timers, outbox, cancelledTimerIds: [] } };
      })
      .catch((error: unknown) => {
        if (this.writer.isDuplicate(error)) throw new AlreadyExistsError(`Subject ${command.subjectId ?? '(the parent’s)'} is already registered on ${command.protocolId}.`);
        throw error;
      });
    if (outcome.effects) await this.dispatcher.afterCommit(outcome.effects);
    return outcome.answer;
  }
}

/** Why the parent cannot roll over into the follow-up protocol (each in a sentence; empty when it can). */
function rolloverRefusals(ltfu: Protocol | undefined, command: RolloverCommand, parent: PatientEntity, infusion: unknown, at: string): string[] {
  if (!ltfu) return [`protocol ${command.protocolId} does not exist`];
  const rule = ltfu.spec.rollover;
  if (!rule) return [`${ltfu.id} is not a long-term follow-up protocol: patients register on it, they do not roll over`];
  const refusals: string[] = [];
  if (!rule.parents.includes(parent.protocolId)) refusals.push(`${ltfu.id} takes patients of ${rule.parents.join(', ')}, not of ${parent.protocolId}`);
  if (!rule.fromStates.includes(parent.state)) {
    refusals.push(`the patient is ${parent.state}: a patient rolls over to ${ltfu.id} once ${rule.fromStates.join(' or ')} on the parent trial`);
  }
  if (!infusion) refusals.push('the patient was never infused: long-term follow-up counts from the infusion (Day 0)');
  if (command.consentSignedAt > at) refusals.push(`the follow-up consent cannot be signed in the future (${command.consentSignedAt})`);
  return refusals;
}
