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
 * Enqueues the jobs missing from Redis: of the pending timers due within the horizon and the
 * undelivered outbox rows and webhook deliveries, those whose job is in no state in Redis (ADR 0023).
 * A job that is there is not added again; one that will not run by itself is revived (a failed job
 * retried, a timer's job still delayed after its timer fell due promoted). The database is the
 * source of truth; a Redis that lost everything loses nothing once this has run.
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
      timers += await this.dispatcher.enqueueAbsentTimers(page);
      promoted += await this.dispatcher.revive(
        TIMER_QUEUE,
        // Every due one: the clock may have jumped past a timer a moment ago (a test's clock, a
        // corrected system clock) while its job waits for the real time it was given. Looking costs one
        // pipelined ZSCORE per timer; only a job found in the delayed set is promoted.
        page.filter((t) => t.dueAt <= nowIso).map((t) => t.id),
        { promoteDelayed: true },
      );
      afterId = page[page.length - 1].id;
    }
    const pendingOutbox = await this.outboxRows.pendingIds(10_000);
    const outbox = await this.dispatcher.enqueueAbsentOutbox(pendingOutbox);
    await this.dispatcher.revive(
      OUTBOX_QUEUE,
      pendingOutbox.map((o) => o.id),
      { promoteDelayed: false },
    );
    const pendingDeliveries = await this.outboxRows.pendingDeliveryIds(10_000);
    await this.dispatcher.enqueueAbsentWebhookDeliveries(pendingDeliveries);
    await this.dispatcher.revive(WEBHOOK_QUEUE, pendingDeliveries, { promoteDelayed: false });
    if (timers || outbox) this.logger.log(`Enqueued the missing jobs of ${timers} pending timers (${promoted} revived) and ${outbox} undelivered notifications`);
    return { timers, outbox, promoted };
  }
}
