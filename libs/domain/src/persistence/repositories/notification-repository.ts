import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, IsNull } from 'typeorm';
import { NotificationEntity, OutboxEntity, type WebhookDeliveryStatus, WebhookDeliveryEntity, WebhookEntity } from '../entities';

/** The inboxes, the webhooks and their deliveries. */
@Injectable()
export class NotificationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One page of a user's inbox, newest first, how many match, and how many are unread. */
  async inbox(userId: string, query: { unread?: boolean; limit: number; offset: number }) {
    const repo = this.dataSource.getRepository(NotificationEntity);
    const [rows, total] = await repo.findAndCount({
      where: { userId, ...(query.unread ? { readAt: IsNull() } : {}) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: query.limit,
      skip: query.offset,
    });
    const unread = await repo.countBy({ userId, readAt: IsNull() });
    return { rows, total, unread };
  }

  notificationOf(userId: string, id: string): Promise<NotificationEntity | null> {
    return this.dataSource.getRepository(NotificationEntity).findOneBy({ id, userId });
  }

  async markRead(id: string, readAt: string): Promise<void> {
    await this.dataSource.getRepository(NotificationEntity).update({ id }, { readAt });
  }

  webhooks(): Promise<WebhookEntity[]> {
    return this.dataSource.getRepository(WebhookEntity).find({ order: { createdAt: 'ASC' } });
  }

  webhook(id: string): Promise<WebhookEntity | null> {
    return this.dataSource.getRepository(WebhookEntity).findOneBy({ id });
  }

  deliveries(query: { status?: WebhookDeliveryStatus; limit: number; offset: number }): Promise<WebhookDeliveryEntity[]> {
    return this.dataSource.getRepository(WebhookDeliveryEntity).find({
      where: query.status ? { status: query.status } : {},
      order: { createdAt: 'DESC', id: 'ASC' },
      take: query.limit,
      skip: query.offset,
    });
  }

  delivery(id: string): Promise<WebhookDeliveryEntity | null> {
    return this.dataSource.getRepository(WebhookDeliveryEntity).findOneBy({ id });
  }

  /** Updates a delivery if it is still pending; false when it was not. */
  async updatePendingDelivery(id: string, change: Partial<Pick<WebhookDeliveryEntity, 'status' | 'attempts' | 'lastError' | 'updatedAt' | 'deliveredAt'>>): Promise<boolean> {
    const { affected } = await this.dataSource.getRepository(WebhookDeliveryEntity).update({ id, status: 'pending' }, change);
    return affected === 1;
  }

  /** The occurrence (outbox row) a delivery carries. */
  occurrence(outboxId: string): Promise<OutboxEntity | null> {
    return this.dataSource.getRepository(OutboxEntity).findOneBy({ id: outboxId });
  }
}
