import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { dataLockRefusals, lockLevelData, releaseHold, releaseRefusals, trialStateOf, type TrialState } from '#protocols';
import { requireTrialRules } from '../kernel/require-protocol';
import { PatientRepository } from '../persistence/repositories/patient-repository';
import { TransactionRunner } from '../persistence/transaction-runner';
import { ForbiddenError, NotFoundError, RefusedError } from '../errors';
import { Clock } from '../kernel/clock';
import { type Actor, canSeeSite } from '../kernel/actor';
import type { AuthenticatedSignature } from '../users/signature-service';
import { AccessLog, type AccessAction, type Caller } from '../audit/access-log';
import { type LockedTrial, TrialLedger } from './trial-ledger';
import { trialSiteIds } from './trial-sites';
import { toTrialView } from './trial-view';

/** The trial as sponsors and investigators read it (`GET /trials/:protocolId`, every version of the protocol), and the signed acts on it: data locks, releases of holds. */
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

  /** The trial of a protocol: every version's patients counted (ADR 0011), under the newest version's rules. */
  async get(protocolId: string, actor: Actor) {
    const rules = requireTrialRules(protocolId);
    const row = await this.patientRows.trial(rules.id);
    if (!row) throw new NotFoundError(`The trial of ${rules.id} has not started.`);
    const state = trialStateOf(row.state);
    const versions = await this.patientRows.versionsOf(rules.id);
    return toTrialView(rules, row, state, this.clock.now(), await this.ownPatients(state, actor), versions);
  }

  /**
   * Locks the DLT data of a dose level (an investigator of a site of the trial, or an admin, signing):
   * the calls of every patient evaluated there are final from now on.
   */
  async lockLevel(protocolId: string, level: number, caller: Caller, signature: AuthenticatedSignature) {
    const rules = requireTrialRules(protocolId);
    if (!rules.doseLevels.some((d) => d.level === level)) {
      throw new NotFoundError(`${rules.id} has no dose level ${level} (levels: ${rules.doseLevels.map((d) => d.level).join(', ')}).`);
    }
    await this.signedAct(rules.id, caller, { action: 'trial.data-lock', details: { level, meaning: signature.meaning } }, (trial) => {
      const reasons = dataLockRefusals(trial.spec, trial.state, level);
      if (reasons.length) throw new RefusedError(`The data of dose level ${level} cannot be locked`, reasons);
      return (signedAt) => lockLevelData(trial.state, level, { ...signature, signedAt });
    });
    return this.get(rules.id, caller.actor);
  }

  /** Releases an enrollment hold a revised decision put (an investigator of a site of the trial, or an admin, signing). */
  async releaseHold(protocolId: string, holdId: number, caller: Caller, signature: AuthenticatedSignature) {
    const rules = requireTrialRules(protocolId);
    await this.signedAct(rules.id, caller, { action: 'trial.hold-release', details: { holdId, meaning: signature.meaning } }, ({ state }) => {
      if (!state.holds.some((h) => h.id === holdId)) throw new NotFoundError(`The trial of ${rules.id} has no hold ${holdId}.`);
      const reasons = releaseRefusals(state, holdId);
      if (reasons.length) throw new RefusedError(`Hold ${holdId} cannot be released`, reasons);
      return (signedAt) => releaseHold(state, holdId, { ...signature, signedAt });
    });
    return this.get(rules.id, caller.actor);
  }

  /**
   * A signed act on the trial row: in one transaction, the caller checked (an admin, or an
   * investigator of a site with patients on the trial), the row locked, the act checked against the
   * state (`decide` throws a refusal, or answers the change), the row saved under its version, and
   * the act written to the access audit (append-only) in the same transaction.
   */
  private async signedAct(
    protocolId: string,
    caller: Caller,
    audit: { action: AccessAction; details: Record<string, unknown> },
    decide: (trial: LockedTrial) => (signedAt: string) => TrialState,
  ): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.tx.run(async (manager) => {
      await this.assertOfTrial(manager, protocolId, caller.actor);
      const trial = await this.ledger.lock(manager, { id: protocolId });
      await this.ledger.save(manager, trial, decide(trial)(now), now);
      await this.access.record(caller, audit.action, [{ subject: protocolId, details: audit.details }], manager);
    });
  }

  private async assertOfTrial(manager: EntityManager, protocolId: string, actor: Actor): Promise<void> {
    if (actor.siteIds === 'all') return;
    const sites = await trialSiteIds(manager, protocolId);
    if (!sites.some((site) => canSeeSite(actor, site))) {
      throw new ForbiddenError(`You are not an investigator of a site of ${protocolId}.`);
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
