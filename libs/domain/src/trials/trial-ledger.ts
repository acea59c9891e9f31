import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type LifecycleSpec, newTrialState, PROTOCOLS, trialRulesOf, trialStateOf, type TrialState } from '#protocols';
import { TrialEntity } from '../persistence/entities';
import { TransactionRunner } from '../persistence/transaction-runner';
import { VersionConflictError } from '../errors';

export interface LockedTrial {
  row: TrialEntity;
  state: TrialState;
  /** The trial-level rules the state moves by: the newest version's, whichever version the patient is on (ADR 0011). */
  spec: LifecycleSpec;
}

/** The trial rows, one per protocol across its versions: locked and saved inside a patient event's transaction, under a version check. */
@Injectable()
export class TrialLedger {
  constructor(private readonly tx: TransactionRunner) {}

  /** Creates the row of every protocol that has none (idempotent; run at start). */
  async ensureRows(manager: EntityManager, now: string): Promise<void> {
    const existing = await manager.find(TrialEntity, { select: { protocolId: true } });
    const have = new Set(existing.map((t) => t.protocolId));
    const missing = [...new Set(PROTOCOLS.map((p) => p.id))].filter((id) => !have.has(id));
    if (!missing.length) return;
    await manager
      .createQueryBuilder()
      .insert()
      .into(TrialEntity)
      .values(missing.map((protocolId) => ({ protocolId, state: newTrialState(rulesOf(protocolId)) as never, version: 1, updatedAt: now })))
      .orIgnore()
      .execute();
  }

  /** Locks the trial of a protocol, whichever of its versions asks (a patient's, a signed act's). */
  async lock(manager: EntityManager, protocol: { id: string }): Promise<LockedTrial> {
    const where = { protocolId: protocol.id };
    let row = await manager.findOne(TrialEntity, { where, lock: this.tx.rowLock });
    if (!row) {
      await this.ensureRows(manager, new Date(0).toISOString());
      row = await manager.findOneOrFail(TrialEntity, { where, lock: this.tx.rowLock });
    }
    return { row, state: trialStateOf(row.state), spec: rulesOf(protocol.id) };
  }

  async save(manager: EntityManager, trial: LockedTrial, next: TrialState, now: string): Promise<void> {
    if (next === trial.state) return;
    const { affected } = await manager.update(
      TrialEntity,
      { protocolId: trial.row.protocolId, version: trial.row.version },
      { state: next as never, version: trial.row.version + 1, updatedAt: now },
    );
    if (affected !== 1) throw new VersionConflictError(trial.row.version, trial.row.version + 1);
  }
}

/** The trial-level rules of a protocol the engine runs (every row and every patient names one). */
function rulesOf(protocolId: string): LifecycleSpec {
  const rules = trialRulesOf(protocolId);
  if (!rules) throw new Error(`protocol ${protocolId} is not loaded`);
  return rules;
}
