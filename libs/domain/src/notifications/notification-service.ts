import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, IsNull } from 'typeorm';
import { NotificationEntity, WebhookDeliveryEntity, WebhookEntity, type WebhookDeliveryStatus } from '../persistence/entities';
import { type Actor, userIdOf } from '../engine/actor';
import { Clock } from '../engine/clock';
import { JobDispatcher } from '../scheduling/job-dispatcher';
import { NotFoundError } from '../errors';

/** The in-app inbox of each user, and the webhooks an admin registers. */
@Injectable()
export class NotificationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatcher: JobDispatcher,
    private readonly clock: Clock,
  ) {}

  async inbox(actor: Actor, query: { unread?: boolean; limit: number; offset: number }) {
    const repo = this.dataSource.getRepository(NotificationEntity);
    const [rows, total] = await repo.findAndCount({
      where: { userId: userIdOf(actor), ...(query.unread ? { readAt: IsNull() } : {}) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: query.limit,
      skip: query.offset,
    });
    const unread = await repo.countBy({ userId: userIdOf(actor), readAt: IsNull() });
    return { items: rows.map(({ userId: _u, outboxId: _o, ...n }) => n), total, unread, limit: query.limit, offset: query.offset };
  }

  async markRead(actor: Actor, id: string) {
    const repo = this.dataSource.getRepository(NotificationEntity);
    const row = await repo.findOneBy({ id, userId: userIdOf(actor) });
    if (!row) throw new NotFoundError(`Notification ${id} does not exist.`);
    const readAt = row.readAt ?? this.clock.now().toISOString();
    if (!row.readAt) await repo.update({ id }, { readAt });
    return { id, readAt };
  }

  async createWebhook(input: { url: string; siteIds: string[]; kinds: string[] }) {
    const webhook: WebhookEntity = {
      id: randomUUID(),
      url: input.url,
      secret: `whsec_${randomBytes(24).toString('base64url')}`,
      siteIds: input.siteIds,
      kinds: input.kinds,
      createdAt: this.clock.now().toISOString(),
      revokedAt: null,
    };
    await this.dataSource.getRepository(WebhookEntity).insert(webhook as never);
    return webhook;
  }

  async webhooks() {
    const rows = await this.dataSource.getRepository(WebhookEntity).find({ order: { createdAt: 'ASC' } });
    return rows.map(({ secret: _secret, ...w }) => w);
  }

  async revokeWebhook(id: string) {
    const { affected } = await this.dataSource
      .getRepository(WebhookEntity)
      .update({ id, revokedAt: IsNull() }, { revokedAt: this.clock.now().toISOString() });
    if (!affected) throw new NotFoundError(`Webhook ${id} does not exist or is already revoked.`);
  }

  deliveries(query: { status?: WebhookDeliveryStatus; limit: number; offset: number }) {
    return this.dataSource.getRepository(WebhookDeliveryEntity).find({
      where: query.status ? { status: query.status } : {},
      order: { createdAt: 'DESC', id: 'ASC' },
      take: query.limit,
      skip: query.offset,
    });
  }

  /** Sends a delivery again (a dead one, or one the receiver lost): back to pending with a fresh attempt count. */
  async resend(id: string) {
    const repo = this.dataSource.getRepository(WebhookDeliveryEntity);
    const delivery = await repo.findOneBy({ id });
    if (!delivery) throw new NotFoundError(`Webhook delivery ${id} does not exist.`);
    await repo.update({ id }, { status: 'pending', attempts: 0, updatedAt: this.clock.now().toISOString() });
    await this.dispatcher.requeueWebhookDelivery(id);
    return repo.findOneByOrFail({ id });
  }
}
