import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import stableStringify from 'fast-json-stable-stringify';
import type { ClinicalEvent, ClinicalEventType, PatientDemographics, Protocol, TrialState } from '#protocols';
import {
  birthDateRefusals,
  chainOfIdentityId,
  doseLevelForNextPatient,
  escalationNote,
  evaluationTouched,
  FUTURE_TOLERANCE_MINUTES,
  futureDateRefusals,
  isInFuture,
  isSchedulerEventType,
  isUserEventType,
  movesTrial,
  nextTrialState,
  requiresSignature,
  takesBedsideCheck,
  trialRefusals,
} from '#protocols';
import { bedsideCheckOf, type BedsideWitness } from './bedside-check';
import { BedsideAlarm } from './bedside-alarm';
import type { RequestOrigin } from '../audit/access-log';
import type { OutboxEntity, PatientEntity, PatientEventEntity, TimerEntity } from '../persistence/entities';
import { TransactionRunner } from '../persistence/transaction-runner';
import { GENESIS_HASH } from '../audit/hash-chain';
import {
  AlreadyExistsError,
  BedsideMismatchError,
  EventNotAcceptedError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  NotFoundError,
  RefusedError,
  VersionConflictError,
  DomainError,
} from '../errors';
import { type Actor, canSeeSite, SCHEDULER } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import * as machine from '../kernel/machine-boundary';
import { JobDispatcher } from '../scheduling/job-dispatcher';
import { zodIssues } from '../kernel/zod-issues';
import { protocolOf, requireProtocol } from '../kernel/require-protocol';
import { Metrics } from '../metrics';
import { APP_CONFIG, type AppConfig } from '../config/config';
import type { AuthenticatedSignature, SignatureCheck } from '../users/signature-service';
import { type LockedTrial, TrialLedger } from '../trials/trial-ledger';
import { trialNotices } from '../trials/trial-notices';
import { type PatientView, toPatientView } from '../patients/patient-view';
import { type EventWrite, EventWriter, LOCK_FREE, RowBusyError, type Scope } from '../persistence/event-writer';
import { planEffects, sealedEntry } from './log-entry';
import { SiteApprovalService } from '../site-approvals/site-approval-service';
import { SlotLedger, touchesSlots } from '../manufacturing/slot-ledger';

export interface RegisterPatientCommand {
  protocolId: string;
  protocolVersion?: number;
  cohort?: string;
  subjectId: string;
  siteId: string;
  patient: Omit<PatientDemographics, 'subjectId'>;
}

export interface ApplyEventCommand {
  type: string;
  data?: unknown;
  occurredAt?: string;
  reason?: string;
  idempotencyKey?: string;
  /** The version the caller last saw (`If-Match`); a stale one is a conflict. */
  expectedVersion?: number;
  /**
   * An electronic signature (required on sign-offs). Its password is checked only once the event
   * would be applied, so a refusal answers the same whatever the password (21 CFR Part 11 §11.300).
   * The check (scrypt, 40–80 ms) runs while the patient's row is locked: sign-offs are rare, and
   * the lockout bounds how often a wrong one can hold the lock.
   */
  signature?: SignatureCheck;
  /**
   * The second person of the bedside check on INFUSION_COMPLETED (docs/design.md, section "Chain of
   * identity"), who signs with their own signing password; checked, like a signature, last.
   */
  witness?: BedsideWitness;
  /** Where the request came from, for the access audit of a refused bedside check. */
  origin?: RequestOrigin;
}

export interface AppliedEvent {
  patient: PatientView;
  seq: number;
  result?: Record<string, unknown>;
  /** True when this answer is the replay of an earlier request with the same idempotency key. */
  replayed: boolean;
}

/** How much earlier than its `dueAt` a timer may fire: the clocks of the processes and Redis may differ by this much. */
export const TIMER_CLOCK_SKEW_MS = 1000;

/** What the post-commit step hands to BullMQ. */
interface Effects {
  timers: TimerEntity[];
  cancelledTimerIds: string[];
  outbox: OutboxEntity[];
}

/**
 * Applies one event to one patient (docs/design.md, section "The path of one event"): validate, lock and load,
 * compute the pure transition, then in the same transaction save the snapshot under optimistic
 * concurrency, append the hash-chained log entry, and write timer and outbox rows. Jobs are handed
 * to BullMQ only after commit.
 */
@Injectable()
export class WorkflowEngine {
  /** How far ahead of the clock a timer's `dueAt` may be when its job runs (see earlyTolerance). */
  private readonly earlyTolerance: number;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly dispatcher: JobDispatcher,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly trials: TrialLedger,
    private readonly writer: EventWriter,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'timeScale' | 'clockOrigin' | 'isbtFin'>,
    private readonly siteApprovals: SiteApprovalService,
    private readonly bedsideAlarm: BedsideAlarm,
    private readonly slots: SlotLedger,
  ) {
    this.earlyTolerance = earlyTolerance(config);
    this.isbtFin = config.isbtFin;
  }

  /** The ISBT 128 FIN that issues the chain-of-identity identifiers allocated at enrollment. */
  private readonly isbtFin: string;

  async register(command: RegisterPatientCommand, actor: Actor): Promise<AppliedEvent> {
    // The version in force at the site: an amendment that needs IRB approval reaches a site only from its approval date.
    const version = await this.siteApprovals.versionToRegister(command, this.clock.now());
    const trial = requireProtocol(command.protocolId, version);
    const cohort = command.cohort ?? null;
    if (trial.cohorts.length && (cohort === null || !trial.cohorts.includes(cohort))) {
      throw new RefusedError('Registration refused', [
        `${trial.id} registers patients into a cohort: give cohort ${trial.cohorts.join(' or ')}${cohort ? ` (not ${cohort})` : ''}`,
      ]);
    }
    if (!trial.cohorts.length && cohort !== null) {
      throw new RefusedError('Registration refused', [`${trial.id} has no cohorts; leave cohort out`]);
    }
    const protocol = trial.forCohort(cohort);
    const demographics: PatientDemographics = { subjectId: command.subjectId, ...command.patient };
    const now = this.clock.now().toISOString();
    const implausibleBirth = birthDateRefusals(demographics.birthDate, now);
    if (implausibleBirth.length) throw new RefusedError('Registration refused', implausibleBirth);
    const { snapshot, actions } = machine.startMachine(protocol, { patient: demographics });
    const patientId = randomUUID();

    const { patient, effects } = await this.tx
      .run(async (manager) => {
        const taken = await this.writer.subjectTaken(manager, protocol.id, command.subjectId);
        if (taken) throw new AlreadyExistsError(`Subject ${command.subjectId} is already registered on ${protocol.id}.`);
        const registered: PatientEntity = {
          id: patientId,
          subjectId: command.subjectId,
          siteId: command.siteId,
          protocolId: protocol.id,
          protocolVersion: protocol.version,
          cohort,
          state: machine.stateName(snapshot),
          status: 'active',
          snapshot: machine.persistSnapshot(protocol, snapshot),
          version: 1,
          lastSeq: 0,
          lastHash: GENESIS_HASH,
          day0: null,
          doseLevel: null,
          registeredAt: now,
          updatedAt: now,
        };
        const entry = sealedEntry(registered, {
          type: 'PATIENT_REGISTERED',
          data: { protocol: `${protocol.id}@${protocol.version}`, ...(cohort ? { cohort } : {}), siteId: command.siteId, ...demographics },
          occurredAt: now,
          reason: null,
          idempotencyKey: null,
          actor,
          recordedAt: now,
        });
        const patient = { ...registered, lastSeq: entry.seq, lastHash: entry.hash };
        const { timers, outbox } = planEffects(patient, entry, actions);
        await this.writer.write(manager, { expectedVersion: null, patient, entry, timers, outbox, cancel: [] });
        return { patient, effects: { timers, outbox, cancelledTimerIds: [] } };
      })
      .catch((error: unknown) => {
        if (this.writer.isDuplicate(error)) {
          throw new AlreadyExistsError(`Subject ${command.subjectId} is already registered on ${protocol.id}.`);
        }
        throw error;
      });
    await this.dispatcher.afterCommit(effects);
    return { patient: toPatientView(patient, protocol, new Date(now), snapshot), seq: 1, replayed: false };
  }

  async apply(patientId: string, command: ApplyEventCommand, actor: Actor): Promise<AppliedEvent> {
    if (isSchedulerEventType(command.type)) {
      throw new InvalidInputError(`${command.type} is raised by the engine's scheduler and cannot be posted.`, [`type ${command.type} is reserved for the scheduler`]);
    }
    if (!isUserEventType(command.type)) {
      throw new InvalidInputError(`Unknown event type "${command.type}".`, [`type "${command.type}" is not an event of the vocabulary`]);
    }
    if (command.witness && !takesBedsideCheck(command.type)) {
      throw new InvalidInputError(`${command.type} takes no witness.`, ['witness: only INFUSION_COMPLETED has a second person (the bedside check)']);
    }
    const now = this.clock.now();
    const occurredAt = this.occurredAt(command.occurredAt, now);
    const outcome = await this.applyOnce({ patientId, command, occurredAt, actor, now }).catch(async (error: unknown) => {
      if (error instanceof DomainError) this.metrics.eventsRefused.inc({ code: error.code });
      // The wrong bag at the bedside: refused (nothing written to the patient), and the alarm raised on its own.
      if (error instanceof BedsideMismatchError) await this.bedsideAlarm.raise(error, actor, command.origin);
      throw error;
    });
    if (!outcome.replayed) {
      this.metrics.eventsApplied.inc({ type: command.type, actor: 'user' });
      await this.dispatcher.afterCommit(outcome.effects);
    }
    return outcome.answer;
  }

  /**
   * Fires a due timer as `system:scheduler`, if it is still pending and its event is still handled;
   * otherwise marks it skipped. The timer is settled in the same transaction as the event.
   * `patientId`, when the caller has read it from the timer row, saves reading the row before the lock;
   * the row is read again under the patient's lock either way, so a timer settled meanwhile is stale.
   * A timer not yet due (a forged or early job) is refused as `early` and left pending; the timer
   * queue's consumer moves that job back to the delayed set until the timer falls due.
   * The patient's row is locked without waiting (ADR 0023): while a request holds it, nothing is
   * written and the answer is `busy`, and the consumer tries the job again shortly, rather than hold
   * a worker slot and a connection behind the request while the other timers fall due.
   */
  async fireTimer(timerId: string, patientId?: string): Promise<'fired' | 'skipped' | 'stale' | 'early' | 'busy'> {
    const now = this.clock.now();
    const outcome = await this.tx
      .run(async (manager) => {
        const owner = patientId ?? (await this.writer.readTimer(manager, timerId))?.patientId;
        if (!owner) return { kind: 'stale' as const };
        const { patient, timer } = await this.writer.lockForTimer(manager, owner, timerId);
        if (!timer || timer.status !== 'pending' || timer.patientId !== owner) return { kind: 'stale' as const };
        if (!patient || !canSeeSite(SCHEDULER, patient.siteId)) throw new NotFoundError(`Patient ${owner} does not exist.`);
        if (Date.parse(timer.dueAt) > now.getTime() + this.earlyTolerance) return { kind: 'early' as const };
        const protocol = protocolOf(patient);
        const snapshot = machine.restoreMachine(protocol, patient.snapshot);
        const event: ClinicalEvent = { type: timer.eventType as ClinicalEventType, occurredAt: timer.dueAt, data: timer.eventData };
        const step = machine.handledEvents(snapshot).scheduled.includes(timer.eventType) ? machine.stepMachine(protocol, snapshot, event) : undefined;
        if (!step?.changed) {
          await this.writer.settleTimer(manager, timer.id, { status: 'skipped', settledSeq: null, settledAt: now.toISOString() });
          return { kind: 'skipped' as const };
        }
        const planned = this.plan(patient, protocol, step, event, { actor: SCHEDULER, reason: null, idempotencyKey: null }, now);
        // Settled by the event's own write statement (one round trip less).
        planned.write.firedTimerId = timer.id;
        const trial = movesTrial(event.type) ? await this.trials.lock(manager, protocol) : undefined;
        const moved = trial && this.moveTrial(protocol, trial, planned, step, event);
        const effects = await this.commit(manager, planned, moved);
        return { kind: 'fired' as const, effects, type: timer.eventType };
      })
      .catch((error: unknown) => {
        if (error instanceof RowBusyError) return { kind: 'busy' as const };
        // Settled by another firing after all (the write checks the timer is still pending): nothing written.
        if (error instanceof TimerSettledError) return { kind: 'stale' as const };
        throw error;
      });
    this.metrics.timersSettled.inc({ outcome: outcome.kind });
    if (outcome.kind === 'fired') {
      this.metrics.eventsApplied.inc({ type: outcome.type, actor: 'scheduler' });
      await this.dispatcher.afterCommit(outcome.effects);
    }
    return outcome.kind;
  }

  /**
   * On PostgreSQL an event that does not move the trial is first tried without a transaction: the
   * row read unlocked, then the one version-checked write statement (atomic on its own), two round
   * trips instead of five. If another event got there first, that write changes nothing and the
   * event is applied again under the row lock, so a busy patient still sees its events applied in
   * turn. An event under an idempotency key writes the key in the same statement: a key already
   * there makes the statement fail whole, and so does any refusal of a keyed event, and the locked
   * path then answers as a key requires (the earlier answer replayed, or the key's reuse refused,
   * before anything else is judged). A signed event under a key goes to the locked path at once, so
   * that a replay never asks for the signing password again.
   */
  private async applyOnce(request: EventRequest): Promise<ApplyOutcome> {
    const { command } = request;
    const keyed = Boolean(command.idempotencyKey);
    // An event that takes or frees a manufacturing slot writes it in its transaction: never lock-free.
    if (this.writer.lockFreeWrites && !(keyed && (command.signature || command.witness)) && !movesTrial(command.type as ClinicalEventType) && !touchesSlots(command.type)) {
      const outcome = await this.applyInTransaction(LOCK_FREE, request).catch((error: unknown) => {
        if (error instanceof TrialRowNeeded) return undefined;
        if (keyed && (error instanceof DomainError || this.writer.isDuplicate(error))) return undefined;
        if (!(error instanceof StaleReadError)) throw error;
        this.metrics.eventsRetriedUnderLock.inc();
        return undefined;
      });
      if (outcome) return outcome;
    }
    return this.tx.run((manager) => this.applyInTransaction(manager, request));
  }

  /** Lock-free (see applyOnce), the patient is read unlocked and a version that moved on is a StaleReadError. */
  private async applyInTransaction(scope: Scope, request: EventRequest): Promise<ApplyOutcome> {
    const { patientId, command, occurredAt, actor, now } = request;
    const manager = scope === LOCK_FREE ? undefined : scope;
    const patient = await this.lockPatient(scope, patientId, actor);
    const requestHash = command.idempotencyKey ? hashRequest(command) : '';
    if (command.idempotencyKey && manager) {
      const earlier = await this.writer.earlierRequest(manager, patientId, command.idempotencyKey);
      if (earlier) {
        if (earlier.requestHash !== requestHash) throw new IdempotencyKeyReusedError(command.idempotencyKey);
        const answer = { ...(earlier.response as unknown as Omit<AppliedEvent, 'replayed'>), replayed: true };
        return { answer, effects: noEffects(), replayed: true };
      }
    }
    if (command.expectedVersion !== undefined && command.expectedVersion !== patient.version) {
      throw new VersionConflictError(command.expectedVersion, patient.version);
    }
    const protocol = protocolOf(patient);
    const type = command.type as ClinicalEventType;
    const parsed = protocol.eventDataSchemas[type].safeParse(command.data ?? {});
    if (!parsed.success) {
      throw new InvalidInputError(`The data of ${type} is not valid.`, zodIssues(parsed.error, 'data'));
    }
    if (requiresSignature(type, parsed.data) && !command.signature) {
      throw new RefusedError(`${type} refused`, [
        `${type} is an electronic signature: re-enter your signing password and state its meaning (signature.password, signature.meaning)`,
      ]);
    }
    let event: ClinicalEvent = { type, occurredAt, data: parsed.data as Record<string, unknown> };
    const snapshot = machine.restoreMachine(protocol, patient.snapshot);
    const handled = machine.handledEvents(snapshot).posted;
    const notAccepted = () => new EventNotAcceptedError(type, patient.state, handled, machine.isOffStudy(snapshot));
    if (!handled.includes(type)) throw notAccepted();
    const context = machine.contextOf(snapshot);
    const reasons = [...futureDateRefusals(event, now.toISOString()), ...protocol.refusals(context, event)];
    // The trial row is locked after the patient row, on every path, so two paths never wait on each other.
    let trial = manager && movesTrial(type) ? await this.trials.lock(manager, protocol) : undefined;
    if (trial) reasons.push(...trialRefusals(trial.spec, trial.state, event, patientId, context));
    const bedside = takesBedsideCheck(type) ? bedsideCheckOf(patient, context, event, actor, command.witness) : undefined;
    if (bedside?.mismatch) throw new BedsideMismatchError([...bedside.reasons, ...reasons], bedside.mismatch);
    if (bedside) reasons.push(...bedside.reasons);
    if (reasons.length) throw new RefusedError(`${type} refused`, reasons);
    if (trial && type === 'ENROLLED') {
      const coi = chainOfIdentityId(this.isbtFin, event.occurredAt, patientId);
      event = { ...event, data: { ...event.data, doseLevel: doseLevelForNextPatient(trial.state), coi } };
    }
    const step = machine.stepMachine(protocol, snapshot, event);
    if (!step.changed) throw notAccepted();
    // Late data on a patient the escalation has already counted moves the trial too; any other AE stays off the trial row.
    const lateData = evaluationTouched(event, context, machine.contextOf(step.next));
    if (!trial && lateData) {
      if (!manager) throw new TrialRowNeeded();
      trial = await this.trials.lock(manager, protocol);
      const refused = trialRefusals(trial.spec, trial.state, event, patientId, context);
      if (refused.length) throw new RefusedError(`${type} refused`, refused);
    }
    // The signing password is checked only now that every other refusal has had its say.
    const signature = command.signature ? await command.signature.authenticate() : undefined;
    if (bedside?.record) event = { ...event, data: { ...event.data, bedsideCheck: await bedside.record(now) } };
    const by = { actor, reason: command.reason ?? null, idempotencyKey: command.idempotencyKey ?? null, signature };
    const planned = this.plan(patient, protocol, step, event, by, now);
    const moved = trial && this.moveTrial(protocol, trial, planned, step, event);
    const note = lateData && moved ? escalationNote(moved.trial.state, moved.next, patientId, machine.contextOf(step.next)) : undefined;
    const result = withEscalation(protocol.answer(context, event), note);
    const seq = planned.entry.seq;
    // The manufacturing slot the event books, consumes or frees, in this transaction (README, "Manufacturing capacity").
    const slot =
      manager && touchesSlots(type) ? await this.slots.afterEvent(manager, slotEvent(patient, event, step), { actor, origin: command.origin ?? NO_ORIGIN }, now) : undefined;
    const view = toPatientView(planned.write.patient, protocol, now, step.next);
    const answer: AppliedEvent = { patient: slot === undefined ? view : { ...view, manufacturingSlot: slot }, seq, ...(result ? { result } : {}), replayed: false };
    if (command.idempotencyKey) {
      // The key keeps the answer, written in the same statement as the event.
      const { replayed: _replayed, ...response } = answer;
      planned.write.idempotencyKey = {
        patientId,
        key: command.idempotencyKey,
        requestHash,
        response: response as unknown as Record<string, unknown>,
        seq,
        createdAt: now.toISOString(),
      };
    }
    const effects = await this.commit(scope, planned, moved);
    return { answer, effects, replayed: false };
  }

  private async lockPatient(scope: Scope, patientId: string, actor: Actor): Promise<PatientEntity> {
    const patient = await this.writer.readPatient(scope, patientId);
    if (!patient || !canSeeSite(actor, patient.siteId)) throw new NotFoundError(`Patient ${patientId} does not exist.`);
    return patient;
  }

  /** What the event writes, computed before anything is written: the log entry, the row as it will be, the machine's effects. */
  private plan(
    patient: PatientEntity,
    protocol: Protocol,
    step: ReturnType<typeof machine.stepMachine>,
    event: ClinicalEvent,
    by: { actor: Actor; reason: string | null; idempotencyKey: string | null; signature?: AuthenticatedSignature },
    now: Date,
  ): { entry: PatientEventEntity; write: EventWrite & { expectedVersion: number } } {
    const recordedAt = now.toISOString();
    const context = machine.contextOf(step.next);
    const entry = sealedEntry(patient, { ...by, type: event.type, data: event.data, occurredAt: event.occurredAt, recordedAt });
    const updated: PatientEntity = {
      ...patient,
      state: machine.stateName(step.next),
      status: machine.isOffStudy(step.next) ? 'offStudy' : 'active',
      snapshot: machine.persistSnapshot(protocol, step.next),
      version: patient.version + 1,
      lastSeq: entry.seq,
      lastHash: entry.hash,
      day0: context.infusion?.infusedAt ?? null,
      doseLevel: context.enrollment?.doseLevel ?? null,
      updatedAt: recordedAt,
    };
    const { timers, outbox, cancelSendIds } = planEffects(updated, entry, step.actions);
    // Leaving the study ends every pending timer; data entered late about a patient already off study cancel none.
    const cancel = machine.leftStudy(step) ? 'all' : cancelSendIds;
    return { entry, write: { expectedVersion: patient.version, patient: updated, entry, timers, outbox, cancel } };
  }

  /**
   * The trial after the event (the pure reducer), and the trial-wide notices it calls for (a revised
   * decision) added to the event's outbox rows, so they are written in its transaction.
   */
  private moveTrial(
    protocol: Protocol,
    trial: LockedTrial,
    planned: { entry: PatientEventEntity; write: EventWrite },
    step: ReturnType<typeof machine.stepMachine>,
    event: ClinicalEvent,
  ): MovedTrial {
    const { entry, write } = planned;
    const change = { patientId: write.patient.id, seq: entry.seq, event, before: machine.contextOf(step.previous), after: machine.contextOf(step.next) };
    const next = nextTrialState(trial.spec, trial.state, change);
    write.outbox.push(...trialNotices(protocol, trial.state, next, entry));
    return { trial, next };
  }

  /** Writes a planned event (the row under its version, the log entry, its effects) and the trial it moved, when it moved one. */
  private async commit(scope: Scope, planned: { entry: PatientEventEntity; write: EventWrite & { expectedVersion: number } }, moved?: MovedTrial): Promise<Effects> {
    const { write, entry } = planned;
    const { written, cancelledTimerIds } = await this.writer.write(scope, write);
    if (!written) {
      if (write.firedTimerId) throw new TimerSettledError();
      if (scope === LOCK_FREE) throw new StaleReadError();
      const current = await this.writer.currentVersion(scope, write.patient.id);
      throw new VersionConflictError(write.expectedVersion, current ?? write.expectedVersion);
    }
    if (moved && scope !== LOCK_FREE) await this.trials.save(scope, moved.trial, moved.next, entry.recordedAt);
    return { timers: write.timers, cancelledTimerIds, outbox: write.outbox };
  }

  private occurredAt(given: string | undefined, now: Date): string {
    if (given === undefined) return now.toISOString();
    const at = Date.parse(given);
    if (Number.isNaN(at)) throw new InvalidInputError('occurredAt is not a date-time.', ['occurredAt must be ISO 8601 with an offset']);
    if (isInFuture(given, now.toISOString())) {
      throw new RefusedError('occurredAt refused', [`occurredAt ${given} is more than ${FUTURE_TOLERANCE_MINUTES} minutes in the future`]);
    }
    return new Date(at).toISOString();
  }
}

function hashRequest(command: ApplyEventCommand): string {
  const { type, data, occurredAt, reason } = command;
  const meaning = command.signature?.meaning;
  return createHash('sha256')
    .update(stableStringify({ type, data: data ?? {}, occurredAt, reason, meaning }))
    .digest('hex');
}

/**
 * A timer's job waits `(dueAt − now) / TIME_SCALE`. With the server clock scaled as well
 * (`CLOCK_ORIGIN`), or unscaled, the job runs when the clock reaches `dueAt`, give or take the clock
 * skew (scaled like the clock). With only the waiting scaled (`TIME_SCALE` without `CLOCK_ORIGIN`, a
 * demonstration) a job runs before its clinical `dueAt` by design, so no timer is early.
 */
function earlyTolerance(config: Pick<AppConfig, 'timeScale' | 'clockOrigin'>): number {
  if (config.timeScale > 1 && config.clockOrigin === undefined) return Number.POSITIVE_INFINITY;
  return TIMER_CLOCK_SKEW_MS * config.timeScale;
}

function noEffects(): Effects {
  return { timers: [], cancelledTimerIds: [], outbox: [] };
}

/** One posted event as the engine applies it. */
interface EventRequest {
  patientId: string;
  command: ApplyEventCommand;
  occurredAt: string;
  actor: Actor;
  now: Date;
}

interface ApplyOutcome {
  answer: AppliedEvent;
  effects: Effects;
  replayed: boolean;
}

/** The unlocked read of applyOnce was overtaken by another event: nothing was written, apply again under the lock. */
class StaleReadError extends Error {}

/** The timer an event was to fire was no longer pending when written: nothing was written. */
class TimerSettledError extends Error {}

/** The lock-free attempt met late data that moves the trial: nothing was written, apply again in a transaction that locks the trial row. */
class TrialRowNeeded extends Error {}

/** The trial as it was locked and as the event leaves it. */
interface MovedTrial {
  trial: LockedTrial;
  next: TrialState;
}

const NO_ORIGIN = { address: null, requestId: null };

/** What the slot ledger needs of an event the engine is writing. */
function slotEvent(patient: PatientEntity, event: ClinicalEvent, step: ReturnType<typeof machine.stepMachine>) {
  return { patientId: patient.id, protocolId: patient.protocolId, type: event.type, occurredAt: event.occurredAt, leftStudy: machine.leftStudy(step) };
}

/** The protocol's answer, with what late data did to the escalation when it did something. */
function withEscalation(result: Record<string, unknown> | undefined, note: ReturnType<typeof escalationNote>) {
  return note ? { ...result, escalation: note } : result;
}
