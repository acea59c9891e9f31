import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { WebhookDeliveryEntity, WebhookEntity, type WebhookDeliveryStatus } from '../persistence/entities';
import { type InboxFilter, NotificationRepository } from '../persistence/repositories/notification-repository';
import { type Actor, userIdOf } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { JobDispatcher } from '../scheduling/job-dispatcher';
import { NotFoundError, RefusedError } from '../errors';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { TransactionRunner } from '../persistence/transaction-runner';
import { AccessLog, type Caller } from '../audit/access-log';
import { WebhookDestinations } from './webhook-destination';

/** The in-app inbox of each user, and the webhooks an admin registers (each change in the access audit). */
@Injectable()
export class NotificationService {
  private readonly destinations: WebhookDestinations;

  constructor(
    private readonly rows: NotificationRepository,
    private readonly dispatcher: JobDispatcher,
    private readonly clock: Clock,
    private readonly tx: TransactionRunner,
    private readonly access: AccessLog,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.destinations = new WebhookDestinations(config.webhook);
  }

  async inbox(actor: Actor, query: InboxFilter & { unread?: boolean; limit: number; offset: number }) {
    const { rows, total, unread } = await this.rows.inbox(userIdOf(actor), query);
    return { items: rows.map(({ userId: _u, outboxId: _o, ...n }) => n), total, unread, limit: query.limit, offset: query.offset };
  }

  async markRead(actor: Actor, id: string) {
    const row = await this.rows.notificationOf(userIdOf(actor), id);
    if (!row) throw new NotFoundError(`Notification ${id} does not exist.`);
    const readAt = row.readAt ?? this.clock.now().toISOString();
    if (!row.readAt) await this.rows.markRead(id, readAt);
    return { id, readAt };
  }

  /**
   * Marks read, at once, every unread notice of the caller's that matches (a kind, a patient),
   * created at or before `upTo` (the moment the caller's page was read, so a notice that arrived since
   * stays unread); without `upTo`, up to now.
   */
  async markAllRead(actor: Actor, filter: InboxFilter & { upTo?: string }) {
    const now = this.clock.now().toISOString();
    const upTo = filter.upTo && filter.upTo < now ? filter.upTo : now;
    const marked = await this.rows.markAllRead(userIdOf(actor), { kind: filter.kind, patientId: filter.patientId, upTo }, now);
    return { marked, unread: await this.rows.unreadCount(userIdOf(actor)), readAt: now };
  }

  /** Registers a webhook whose URL passes the destination rules (https, a public address) with its host resolved now. */
  async createWebhook(caller: Caller, input: { url: string; siteIds: string[]; kinds: string[] }) {
    const problems = await this.destinations.problems(input.url);
    if (problems.length) throw new RefusedError('Webhook refused', problems);
    const webhook: WebhookEntity = {
      id: randomUUID(),
      url: input.url,
      secret: `whsec_${randomBytes(24).toString('base64url')}`,
      siteIds: input.siteIds,
      kinds: input.kinds,
      createdAt: this.clock.now().toISOString(),
      revokedAt: null,
    };
    await this.tx.run(async (manager) => {
      await manager.insert(WebhookEntity, webhook as never);
      await this.access.record(caller, 'webhook.create', [{ subject: webhook.id, details: { url: webhook.url, siteIds: webhook.siteIds, kinds: webhook.kinds } }], manager);
    });
    return webhook;
  }

  async webhooks() {
    const rows = await this.rows.webhooks();
    return rows.map(({ secret: _secret, ...w }) => w);
  }

  async revokeWebhook(caller: Caller, id: string) {
    await this.tx.run(async (manager) => {
      const { affected } = await manager.update(WebhookEntity, { id, revokedAt: IsNull() }, { revokedAt: this.clock.now().toISOString() });
      if (!affected) throw new NotFoundError(`Webhook ${id} does not exist or is already revoked.`);
      await this.access.record(caller, 'webhook.revoke', [{ subject: id }], manager);
    });
  }

  deliveries(query: { status?: WebhookDeliveryStatus; limit: number; offset: number }) {
    return this.rows.deliveries(query);
  }

  /** Sends a delivery again (a dead one, or one the receiver lost): back to pending with a fresh attempt count. */
  async resend(caller: Caller, id: string) {
    const delivery = await this.rows.delivery(id);
    if (!delivery) throw new NotFoundError(`Webhook delivery ${id} does not exist.`);
    await this.tx.run(async (manager) => {
      await manager.update(WebhookDeliveryEntity, { id }, { status: 'pending', attempts: 0, updatedAt: this.clock.now().toISOString() });
      await this.access.record(caller, 'webhook.resend', [{ subject: id, details: { webhookId: delivery.webhookId, wasStatus: delivery.status } }], manager);
    });
    await this.dispatcher.requeueWebhookDelivery(id);
    return (await this.rows.delivery(id))!;
  }
}
