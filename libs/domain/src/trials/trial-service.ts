import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { dataLockRefusals, lockLevelData, releaseHold, releaseRefusals, trialStateOf, type Protocol, type TrialState } from '#protocols';
import { requireProtocol } from '../kernel/require-protocol';
import { PatientRepository } from '../persistence/repositories/patient-repository';
import { TransactionRunner } from '../persistence/transaction-runner';
import { ForbiddenError, NotFoundError, RefusedError } from '../errors';
import { Clock } from '../kernel/clock';
import { type Actor, canSeeSite } from '../kernel/actor';
import type { AuthenticatedSignature } from '../users/signature-service';
import { AccessLog, type AccessAction, type Caller } from '../audit/access-log';
import { TrialLedger } from './trial-ledger';
import { trialSiteIds } from './trial-sites';
import { toTrialView } from './trial-view';

/** The trial as sponsors and investigators read it (`GET /trials/:protocolId`), and the signed acts on it: data locks, releases of holds. */
@Injectable()
export class TrialService implements OnApplicationBootstrap {
  constructor(
    private readonly patientRows: PatientRepository,
    private readonly tx: TransactionRunner,
    private readonly ledger: TrialLedger,
    private readonly clock: Clock,
    private readonly access: AccessLog,
  ) {}

  async onApplicationBootstrap() {
    await this.ledger.ensureRows(this.tx.manager, this.clock.now().toISOString());
  }

  async get(protocolId: string, version: number | undefined, actor: Actor) {
    const protocol = requireProtocol(protocolId, version);
    const row = await this.patientRows.trial(protocol);
    if (!row) throw new NotFoundError(`The trial of ${protocol.id} v${protocol.version} has not started.`);
    const state = trialStateOf(row.state);
    return toTrialView(protocol, row, state, this.clock.now(), await this.ownPatients(state, actor));
  }

  /**
   * Locks the DLT data of a dose level (an investigator of a site of the trial, or an admin, signing):
   * the calls of every patient evaluated there are final from now on.
   */
  async lockLevel(protocolId: string, version: number | undefined, level: number, caller: Caller, signature: AuthenticatedSignature) {
    const { actor } = caller;
    const protocol = requireProtocol(protocolId, version);
    if (!protocol.spec.doseLevels.some((d) => d.level === level)) {
      throw new NotFoundError(`${protocol.id} v${protocol.version} has no dose level ${level} (levels: ${protocol.spec.doseLevels.map((d) => d.level).join(', ')}).`);
    }
    await this.signedAct(protocol, caller, { action: 'trial.data-lock', details: { level, meaning: signature.meaning } }, (state) => {
      const reasons = dataLockRefusals(protocol.spec, state, level);
      if (reasons.length) throw new RefusedError(`The data of dose level ${level} cannot be locked`, reasons);
      return (signedAt) => lockLevelData(state, level, { ...signature, signedAt });
    });
    return this.get(protocol.id, protocol.version, actor);
  }

  /** Releases an enrollment hold a revised decision put (an investigator of a site of the trial, or an admin, signing). */
  async releaseHold(protocolId: string, version: number | undefined, holdId: number, caller: Caller, signature: AuthenticatedSignature) {
    const { actor } = caller;
    const protocol = requireProtocol(protocolId, version);
    await this.signedAct(protocol, caller, { action: 'trial.hold-release', details: { holdId, meaning: signature.meaning } }, (state) => {
      if (!state.holds.some((h) => h.id === holdId)) throw new NotFoundError(`The trial of ${protocol.id} v${protocol.version} has no hold ${holdId}.`);
      const reasons = releaseRefusals(state, holdId);
      if (reasons.length) throw new RefusedError(`Hold ${holdId} cannot be released`, reasons);
      return (signedAt) => releaseHold(state, holdId, { ...signature, signedAt });
    });
    return this.get(protocol.id, protocol.version, actor);
  }

  /**
   * A signed act on the trial row: in one transaction, the caller checked (an admin, or an
   * investigator of a site with patients on the trial), the row locked, the act checked against the
   * state (`decide` throws a refusal, or answers the change), the row saved under its version, and
   * the act written to the access audit (append-only) in the same transaction.
   */
  private async signedAct(
    protocol: Protocol,
    caller: Caller,
    audit: { action: AccessAction; details: Record<string, unknown> },
    decide: (state: TrialState) => (signedAt: string) => TrialState,
  ): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.tx.run(async (manager) => {
      await this.assertOfTrial(manager, protocol, caller.actor);
      const trial = await this.ledger.lock(manager, protocol);
      await this.ledger.save(manager, trial, decide(trial.state)(now), now);
      await this.access.record(caller, audit.action, [{ subject: `${protocol.id}@${protocol.version}`, details: audit.details }], manager);
    });
  }

  private async assertOfTrial(manager: EntityManager, protocol: Protocol, actor: Actor): Promise<void> {
    if (actor.siteIds === 'all') return;
    const sites = await trialSiteIds(manager, protocol.id, protocol.version);
    if (!sites.some((site) => canSeeSite(actor, site))) {
      throw new ForbiddenError(`You are not an investigator of a site of ${protocol.id} v${protocol.version}.`);
    }
  }

  /** The subject ids of the patients the state names that the caller may see; the others stay anonymous. */
  private async ownPatients(state: TrialState, actor: Actor): Promise<Map<string, string>> {
    const ids = [...new Set([...state.pending.map((p) => p.patientId), ...state.decisions.map((d) => d.patientId)])];
    if (!ids.length) return new Map();
    const rows = await this.patientRows.subjects(ids);
    return new Map(rows.filter((p) => canSeeSite(actor, p.siteId)).map((p) => [p.id, p.subjectId]));
  }
}
