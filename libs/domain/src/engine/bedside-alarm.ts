import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { formatChainOfIdentityId } from '#protocols';
import { OutboxEntity } from '../persistence/entities';
import { TransactionRunner } from '../persistence/transaction-runner';
import { insertRows } from '../persistence/insert-rows';
import { AccessLog, type RequestOrigin } from '../audit/access-log';
import type { Actor } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { JobDispatcher } from '../scheduling/job-dispatcher';
import { INVESTIGATORS } from '../scheduling/outbox-relay';
import type { BedsideMismatchError } from '../errors';

/** The notice's kind, as inboxes and webhooks filter on it. */
export const BEDSIDE_MISMATCH = 'BEDSIDE_MISMATCH';

/**
 * The alarm of a refused bedside check (docs/design.md, section "Chain of identity"): the wrong bag
 * at the bedside writes nothing to the patient's log, and yet must not pass unseen. In one
 * transaction of its own: a critical notice to the site's investigators (an outbox row, relayed as
 * every notice is) and a `bedside.mismatch` row in the access audit naming who tried, which bag and
 * whose identifier it should have carried.
 */
@Injectable()
export class BedsideAlarm {
  private readonly logger = new Logger('BedsideCheck');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: AccessLog,
    private readonly dispatcher: JobDispatcher,
    private readonly clock: Clock,
  ) {}

  async raise(refusal: BedsideMismatchError, actor: Actor, origin: RequestOrigin = { address: null, requestId: null }): Promise<void> {
    const { patientId, siteId, protocolId, subjectId, bagCoi, patientCoi } = refusal.mismatch;
    const at = this.clock.now().toISOString();
    const notice: OutboxEntity = {
      // The row belongs to no event (nothing was written): seq 0, and an id of its own.
      id: `${patientId}.bedside-${randomUUID()}`,
      patientId,
      seq: 0,
      kind: BEDSIDE_MISMATCH,
      payload: {
        kind: BEDSIDE_MISMATCH,
        severity: 'critical',
        audience: INVESTIGATORS,
        message: `Wrong product bag at the bedside for ${subjectId}: the bag reads ${formatChainOfIdentityId(bagCoi)}, the patient's chain of identity is ${formatChainOfIdentityId(patientCoi)}. The infusion was refused; ${actor.name} tried to record it.`,
        patientId,
        siteId,
        protocolId,
        bagCoi,
        patientCoi,
        actor: actor.id,
      },
      status: 'pending',
      attempts: 0,
      createdAt: at,
      deliveredAt: null,
    };
    await this.tx.run(async (manager) => {
      await insertRows(manager, OutboxEntity, [notice]);
      await this.access.record({ actor, origin }, 'bedside.mismatch', [{ patientId, subject: bagCoi, details: { patientCoi, siteId } }], manager);
    });
    this.logger.warn({ patientId, siteId, bagCoi, patientCoi, actor: actor.id }, "bedside check refused: the product bag is another patient's");
    await this.dispatcher.enqueueOutbox([notice]).catch((error: Error) => {
      this.logger.warn(`Bedside alarm not enqueued; the reconciler will retry: ${error.message}`);
    });
  }
}
