import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Clock } from '../kernel/clock';
import { OutboxRepository } from '../persistence/repositories/outbox-repository';
import { TimerRepository } from '../persistence/repositories/timer-repository';
import { JobDispatcher } from './job-dispatcher';
import { OUTBOX_QUEUE } from './queues/outbox-queue';
import { TIMER_QUEUE } from './queues/timer-queue';
import { WEBHOOK_QUEUE } from './queues/webhook-queue';

const PAGE = 2000;

/**
 * Re-enqueues every pending timer due within the horizon and every undelivered outbox row. The
 * database is the source of truth; a Redis that lost everything loses nothing once this has run.
 */
@Injectable()
export class Reconciler {
  private readonly logger = new Logger(Reconciler.name);

  constructor(
    private readonly timerRows: TimerRepository,
    private readonly outboxRows: OutboxRepository,
    private readonly dispatcher: JobDispatcher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(): Promise<{ timers: number; outbox: number; promoted: number }> {
    const now = this.clock.now().getTime();
    const nowIso = new Date(now).toISOString();
    let promoted = 0;
    const horizon = new Date(now + this.config.timerHorizonMs * this.config.timeScale).toISOString();
    let timers = 0;
    let afterId = '';
    for (;;) {
      const page = await this.timerRows.pendingDueBy(horizon, afterId, PAGE);
      if (!page.length) break;
      timers += await this.dispatcher.enqueueTimers(page);
      promoted += await this.dispatcher.revive(
        TIMER_QUEUE,
        page.filter((t) => t.dueAt <= nowIso).map((t) => t.id),
        { promoteDelayed: true },
      );
      afterId = page[page.length - 1].id;
    }
    const pendingOutbox = await this.outboxRows.pendingIds(10_000);
    const outbox = await this.dispatcher.enqueueOutbox(pendingOutbox);
    await this.dispatcher.revive(
      OUTBOX_QUEUE,
      pendingOutbox.map((o) => o.id),
      { promoteDelayed: false },
    );
    const pendingDeliveries = await this.outboxRows.pendingDeliveryIds(10_000);
    await this.dispatcher.enqueueWebhookDeliveries(pendingDeliveries);
    await this.dispatcher.revive(WEBHOOK_QUEUE, pendingDeliveries, { promoteDelayed: false });
    if (timers || outbox) this.logger.log(`Reconciled ${timers} pending timers (${promoted} promoted) and ${outbox} undelivered notifications`);
    return { timers, outbox, promoted };
  }
}
