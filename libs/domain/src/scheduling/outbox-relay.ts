import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { OutboxEntity } from '../persistence/entities';
import { Clock } from '../engine/clock';

/**
 * Relays an outbox row. The row's status, changed only from `pending`, makes a delivery happen once
 * however often its job runs. The channel today is the structured notification log; webhooks and
 * the per-user inbox plug in here.
 */
@Injectable()
export class OutboxRelay {
  private readonly logger = new Logger('Notification');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async deliver(outboxId: string): Promise<boolean> {
    const repo = this.dataSource.getRepository(OutboxEntity);
    const row = await repo.findOneBy({ id: outboxId });
    if (!row || row.status !== 'pending') return false;
    const { affected } = await repo.update(
      { id: outboxId, status: 'pending' },
      { status: 'delivered', deliveredAt: this.clock.now().toISOString(), attempts: row.attempts + 1 },
    );
    if (affected !== 1) return false;
    const { message, ...rest } = row.payload as { message?: string };
    this.logger.log({ notification: row.kind, outboxId: row.id, ...rest, message }, `${row.kind}: ${message}`);
    return true;
  }
}
