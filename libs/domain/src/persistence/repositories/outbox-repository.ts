import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { OutboxEntity, WebhookDeliveryEntity } from '../entities';
import { TransactionRunner } from '../transaction-runner';

/** The outbox (notifications written with their event) and the webhook deliveries it fans out to. */
@Injectable()
export class OutboxRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
  ) {}

  /** The row, locked for its delivery inside the transaction. */
  lock(manager: EntityManager, outboxId: string): Promise<OutboxEntity | null> {
    return manager.findOne(OutboxEntity, { where: { id: outboxId }, lock: this.tx.dialect.rowLock });
  }

  async markDelivered(manager: EntityManager, row: OutboxEntity, deliveredAt: string): Promise<void> {
    await manager.update(OutboxEntity, { id: row.id }, { status: 'delivered', deliveredAt, attempts: row.attempts + 1 });
  }

  /** Rows not delivered yet, oldest first. */
  pendingIds(take: number): Promise<Array<{ id: string }>> {
    return this.dataSource.getRepository(OutboxEntity).find({ where: { status: 'pending' }, select: { id: true }, order: { createdAt: 'ASC' }, take });
  }

  async pendingDeliveryIds(take: number): Promise<string[]> {
    const rows = await this.dataSource.getRepository(WebhookDeliveryEntity).find({ where: { status: 'pending' }, select: { id: true }, take });
    return rows.map((d) => d.id);
  }
}
