import { Injectable, Logger } from '@nestjs/common';
import { type EntityManager, In, IsNull } from 'typeorm';
import { NotificationEntity, type OutboxEntity, UserEntity, WebhookDeliveryEntity, WebhookEntity } from '../persistence/entities';
import { type FannedOut, OutboxRepository } from '../persistence/repositories/outbox-repository';
import { TransactionRunner } from '../persistence/transaction-runner';
import { insertRows } from '../persistence/insert-rows';
import { Clock } from '../kernel/clock';
import { JobDispatcher } from './job-dispatcher';
import type { OutboxJobHandler } from './queues/outbox-queue';
import { TRIAL_SCOPE } from '../trials/trial-notices';
import { trialSiteIds } from '../trials/trial-sites';

/** Who sees a site's notifications in the app: its coordinators and investigators. */
const INBOX_ROLES = ['coordinator', 'investigator'] as const;
/** `payload.audience` of a notice for the investigators of the patient's site alone (the bedside alarm). */
export const INVESTIGATORS = 'investigators';
/** Who sees a notice to the whole trial (a revised escalation decision), or a notice for the investigators of a site: investigators. */
const TRIAL_INBOX_ROLES = ['investigator'] as const;

/**
 * Relays an outbox row (one occurrence) to its channels in one transaction: an inbox row per
 * recipient and a delivery row per matching webhook, each keyed by the occurrence, and the outbox row
 * marked delivered. A repeated or re-enqueued job finds the row delivered and does nothing, so an
 * occurrence reaches each inbox and each webhook's queue once. A patient's notice goes to its site; a
 * notice to the trial goes to every site that has patients on the trial, and names no patient.
 */
@Injectable()
export class OutboxRelay implements OutboxJobHandler {
  private readonly logger = new Logger('Notification');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly outbox: OutboxRepository,
    private readonly dispatcher: JobDispatcher,
    private readonly clock: Clock,
  ) {}

  async deliver(outboxId: string): Promise<boolean> {
    const now = this.clock.now().toISOString();
    const fanned =
      this.tx.dialect.name === 'postgres'
        ? await this.outbox.fanOut(outboxId, now, { trial: TRIAL_SCOPE, investigators: INVESTIGATORS })
        : await this.fanOutInTransaction(outboxId, now);
    if (!fanned) return false;
    this.logger.log(
      { notification: fanned.row.kind, outboxId: fanned.row.id, inbox: fanned.recipients, webhooks: fanned.deliveries.length },
      `${fanned.row.kind} to ${fanned.recipients} inboxes and ${fanned.deliveries.length} webhooks`,
    );
    await this.dispatcher.enqueueWebhookDeliveries(fanned.deliveries).catch((error: Error) => {
      this.logger.warn(`Webhook deliveries not enqueued; the reconciler will retry: ${error.message}`);
    });
    return true;
  }

  /**
   * The fan-out as TypeORM statements in one transaction (SQLite, one writer at a time: no round trips
   * to save). PostgreSQL does the same in one statement (OutboxRepository.fanOut).
   */
  private fanOutInTransaction(outboxId: string, now: string): Promise<FannedOut | undefined> {
    return this.tx.run(async (manager) => {
      const row = await this.outbox.lock(manager, outboxId);
      if (!row || row.status !== 'pending') return undefined;
      const { message } = row.payload as { message?: string };
      const trialWide = row.payload.scope === TRIAL_SCOPE;
      const sites = await this.sitesOf(manager, row);
      // A notice for the investigators alone (the bedside alarm) reaches only them, at the patient's site.
      const roles = trialWide || row.payload.audience === INVESTIGATORS ? TRIAL_INBOX_ROLES : INBOX_ROLES;
      const users = await manager.find(UserEntity, { where: { revokedAt: IsNull(), role: In([...roles]) } });
      const recipients = users.filter((u) => u.siteIds.some((s) => sites.includes(s)));
      if (recipients.length) {
        await manager
          .createQueryBuilder()
          .insert()
          .into(NotificationEntity)
          .values(
            recipients.map((u) => ({
              id: `${row.id}.${u.id}`,
              outboxId: row.id,
              userId: u.id,
              patientId: trialWide ? null : row.patientId,
              kind: row.kind,
              message: message ?? row.kind,
              payload: row.payload as never,
              createdAt: now,
              readAt: null,
            })),
          )
          .orIgnore()
          .execute();
      }
      const webhooks = (await manager.find(WebhookEntity, { where: { revokedAt: IsNull() } })).filter(
        (w) => (!w.siteIds.length || w.siteIds.some((s) => sites.includes(s))) && (!w.kinds.length || w.kinds.includes(row.kind)),
      );
      const deliveries = webhooks.map((w) => ({
        id: `${row.id}.${w.id}`,
        outboxId: row.id,
        webhookId: w.id,
        status: 'pending' as const,
        attempts: 0,
        lastError: null,
        createdAt: now,
        updatedAt: now,
        deliveredAt: null,
      }));
      if (deliveries.length) await insertRows(manager, WebhookDeliveryEntity, deliveries);
      await this.outbox.markDelivered(manager, row, now);
      return { row: { id: row.id, kind: row.kind }, recipients: recipients.length, deliveries: deliveries.map((d) => d.id) };
    });
  }

  /** The sites an occurrence is for: the patient's, or for a notice to the trial, every site with a patient on it. */
  private async sitesOf(manager: EntityManager, row: OutboxEntity): Promise<string[]> {
    const { siteId, protocolId } = row.payload as { siteId?: string; protocolId: string };
    if (row.payload.scope !== TRIAL_SCOPE) return siteId === undefined ? [] : [siteId];
    return trialSiteIds(manager, protocolId);
  }
}
