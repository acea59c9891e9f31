import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Clock } from '../kernel/clock';
import { OUTBOX_QUEUE, OutboxJobs, type OutboxJob } from './queues/outbox-queue';
import { TIMER_QUEUE, TimerJobs, type TimerJob } from './queues/timer-queue';
import { WEBHOOK_QUEUE, WebhookJobs, type WebhookJob } from './queues/webhook-queue';

/**
 * Hands committed timer and outbox rows, and webhook deliveries, to their queues' producers (one
 * file per queue in queues/). A failure here loses nothing: the rows stay pending and the reconciler
 * enqueues them again.
 */
@Injectable()
export class JobDispatcher {
  private readonly logger = new Logger(JobDispatcher.name);
  private readonly timers: TimerJobs;
  private readonly outbox: OutboxJobs;
  private readonly webhooks: WebhookJobs;

  constructor(
    @InjectQueue(TIMER_QUEUE) timers: Queue<TimerJob>,
    @InjectQueue(OUTBOX_QUEUE) outbox: Queue<OutboxJob>,
    @InjectQueue(WEBHOOK_QUEUE) webhooks: Queue<WebhookJob>,
    @Inject(APP_CONFIG) config: AppConfig,
    clock: Clock,
  ) {
    this.timers = new TimerJobs(timers, config, clock);
    this.outbox = new OutboxJobs(outbox);
    this.webhooks = new WebhookJobs(webhooks, config.webhook);
  }

  async afterCommit(effects: { timers: Array<{ id: string; dueAt: string }>; cancelledTimerIds: string[]; outbox: Array<{ id: string }> }): Promise<void> {
    try {
      await Promise.all([this.timers.add(effects.timers), this.outbox.add(effects.outbox), this.timers.remove(effects.cancelledTimerIds)]);
    } catch (error) {
      this.logger.warn(`Jobs not enqueued after commit; the reconciler will retry: ${(error as Error).message}`);
    }
  }

  /** Enqueues timers due within the horizon as delayed jobs; later ones wait in the database. */
  enqueueTimers(timers: Array<{ id: string; dueAt: string }>): Promise<number> {
    return this.timers.add(timers);
  }

  /**
   * The reconciler's adds: of these pending rows, only those whose job is not in Redis in any state
   * (timers: due within the horizon). A job that exists is left alone; `revive` handles those that
   * will not run by themselves.
   */
  enqueueAbsentTimers(timers: Array<{ id: string; dueAt: string }>): Promise<number> {
    return this.timers.addAbsent(timers);
  }

  enqueueAbsentOutbox(rows: Array<{ id: string }>): Promise<number> {
    return this.outbox.addAbsent(rows);
  }

  enqueueAbsentWebhookDeliveries(deliveryIds: string[]): Promise<number> {
    return this.webhooks.addAbsent(deliveryIds);
  }

  /** Retries the failed jobs of these pending rows and, when asked, promotes their jobs still waiting as delayed. */
  revive(queue: typeof TIMER_QUEUE | typeof OUTBOX_QUEUE | typeof WEBHOOK_QUEUE, ids: string[], options: { promoteDelayed: boolean }): Promise<number> {
    return { [TIMER_QUEUE]: this.timers, [OUTBOX_QUEUE]: this.outbox, [WEBHOOK_QUEUE]: this.webhooks }[queue].revive(ids, options);
  }

  enqueueOutbox(rows: Array<{ id: string }>): Promise<number> {
    return this.outbox.add(rows);
  }

  /** Webhook deliveries: BullMQ retries a failed attempt with exponential backoff up to the configured attempts. */
  enqueueWebhookDeliveries(deliveryIds: string[]): Promise<number> {
    return this.webhooks.add(deliveryIds);
  }

  /** Queues a delivery again after a resend: a finished or failed job of that id would make a plain add a no-op. */
  requeueWebhookDelivery(deliveryId: string): Promise<void> {
    return this.webhooks.requeue(deliveryId);
  }
}
