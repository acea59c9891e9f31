import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, IsNull, LessThanOrEqual } from 'typeorm';
import { NotificationEntity, OutboxEntity, type WebhookDeliveryStatus, WebhookDeliveryEntity, WebhookEntity } from '../entities';

/** Which notices of an inbox: of one kind, of one patient. */
export interface InboxFilter {
  kind?: string;
  patientId?: string;
}

const filterOf = (f: InboxFilter) => ({ ...(f.kind ? { kind: f.kind } : {}), ...(f.patientId ? { patientId: f.patientId } : {}) });

/** The inboxes, the webhooks and their deliveries. */
@Injectable()
export class NotificationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One page of a user's inbox, newest first (of one kind, of one patient, when asked), how many match, and how many are unread in all. */
  async inbox(userId: string, query: InboxFilter & { unread?: boolean; limit: number; offset: number }) {
    const repo = this.dataSource.getRepository(NotificationEntity);
    const [rows, total] = await repo.findAndCount({
      where: { userId, ...filterOf(query), ...(query.unread ? { readAt: IsNull() } : {}) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: query.limit,
      skip: query.offset,
    });
    return { rows, total, unread: await this.unreadCount(userId) };
  }

  unreadCount(userId: string): Promise<number> {
    return this.dataSource.getRepository(NotificationEntity).countBy({ userId, readAt: IsNull() });
  }

  /** Marks read every unread notice of the user that matches, created at or before `upTo`: answers how many. */
  async markAllRead(userId: string, filter: InboxFilter & { upTo: string }, readAt: string): Promise<number> {
    const updated = await this.dataSource
      .getRepository(NotificationEntity)
      .update({ userId, ...filterOf(filter), readAt: IsNull(), createdAt: LessThanOrEqual(filter.upTo) }, { readAt });
    return updated.affected ?? 0;
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
