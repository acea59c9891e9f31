import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { newTrialState, PROTOCOLS, trialStateOf, type Protocol, type TrialState } from '#protocols';
import { TrialEntity } from '../persistence/entities';
import { TransactionRunner } from '../persistence/transaction-runner';
import { VersionConflictError } from '../errors';

export interface LockedTrial {
  row: TrialEntity;
  state: TrialState;
}

/** The trial rows: locked and saved inside a patient event's transaction, under a version check. */
@Injectable()
export class TrialLedger {
  constructor(private readonly tx: TransactionRunner) {}

  /** Creates the row of every protocol version that has none (idempotent; run at start). */
  async ensureRows(manager: EntityManager, now: string): Promise<void> {
    const existing = await manager.find(TrialEntity, { select: { protocolId: true, protocolVersion: true } });
    const have = new Set(existing.map((t) => `${t.protocolId}@${t.protocolVersion}`));
    const missing = PROTOCOLS.filter((p) => !have.has(`${p.id}@${p.version}`));
    if (!missing.length) return;
    await manager
      .createQueryBuilder()
      .insert()
      .into(TrialEntity)
      .values(missing.map((p) => ({ protocolId: p.id, protocolVersion: p.version, state: newTrialState(p.spec) as never, version: 1, updatedAt: now })))
      .orIgnore()
      .execute();
  }

  async lock(manager: EntityManager, protocol: Protocol): Promise<LockedTrial> {
    const where = { protocolId: protocol.id, protocolVersion: protocol.version };
    let row = await manager.findOne(TrialEntity, { where, lock: this.tx.rowLock });
    if (!row) {
      await this.ensureRows(manager, new Date(0).toISOString());
      row = await manager.findOneOrFail(TrialEntity, { where, lock: this.tx.rowLock });
    }
    return { row, state: trialStateOf(row.state) };
  }

  async save(manager: EntityManager, trial: LockedTrial, next: TrialState, now: string): Promise<void> {
    if (next === trial.state) return;
    const { affected } = await manager.update(
      TrialEntity,
      { protocolId: trial.row.protocolId, protocolVersion: trial.row.protocolVersion, version: trial.row.version },
      { state: next as never, version: trial.row.version + 1, updatedAt: now },
    );
    if (affected !== 1) throw new VersionConflictError(trial.row.version, trial.row.version + 1);
  }
}
