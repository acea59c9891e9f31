import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Clock } from '../kernel/clock';
import { OUTBOX_JOB, OUTBOX_QUEUE, TIMER_JOB, TIMER_QUEUE, WEBHOOK_JOB, WEBHOOK_QUEUE, outboxJobId, timerJobId, webhookJobId, type OutboxJob, type TimerJob, type WebhookJob } from './queues';

const JOB_OPTIONS = {
  removeOnComplete: true,
  removeOnFail: { count: 10_000 },
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
} as const;

/**
 * Hands committed timer and outbox rows to BullMQ with `jobId` = row id, so a repeat is a no-op.
 * A failure here loses nothing: the rows stay pending and the reconciler enqueues them again.
 */
@Injectable()
export class JobDispatcher {
  private readonly logger = new Logger(JobDispatcher.name);

  constructor(
    @InjectQueue(TIMER_QUEUE) private readonly timers: Queue<TimerJob>,
    @InjectQueue(OUTBOX_QUEUE) private readonly outbox: Queue<OutboxJob>,
    @InjectQueue(WEBHOOK_QUEUE) private readonly webhooks: Queue<WebhookJob>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async afterCommit(effects: {
    timers: Array<{ id: string; dueAt: string }>;
    cancelledTimerIds: string[];
    outbox: Array<{ id: string }>;
  }): Promise<void> {
    try {
      await Promise.all([
        this.enqueueTimers(effects.timers),
        this.enqueueOutbox(effects.outbox),
        this.removeTimerJobs(effects.cancelledTimerIds),
      ]);
    } catch (error) {
      this.logger.warn(`Jobs not enqueued after commit; the reconciler will retry: ${(error as Error).message}`);
    }
  }

  /** Enqueues timers due within the horizon as delayed jobs; later ones wait in the database. */
  async enqueueTimers(timers: Array<{ id: string; dueAt: string }>): Promise<number> {
    const now = this.clock.now().getTime();
    const jobs = timers
      .map((t) => ({ t, waitMs: Math.max(0, Date.parse(t.dueAt) - now) / this.config.timeScale }))
      .filter(({ waitMs }) => waitMs <= this.config.timerHorizonMs)
      .map(({ t, waitMs }) => ({
        name: TIMER_JOB,
        data: { timerId: t.id },
        opts: { ...JOB_OPTIONS, jobId: timerJobId(t.id), delay: Math.round(waitMs) },
      }));
    if (jobs.length) await this.timers.addBulk(jobs);
    return jobs.length;
  }

  /**
   * Jobs of rows still pending that will not run by themselves: a due timer whose job waits as
   * delayed (the clock jumped) is promoted; a job that failed for good (its retries ran out while the
   * database was unreachable) is retried. A plain re-add would be a no-op: the job id still exists.
   */
  async revive(queue: 'timers' | 'outbox' | 'webhooks', ids: string[], options: { promoteDelayed: boolean }): Promise<number> {
    if (!ids.length) return 0;
    const [target, jobId] =
      queue === 'timers' ? [this.timers, timerJobId] : queue === 'outbox' ? [this.outbox, outboxJobId] : [this.webhooks, webhookJobId];
    const wanted = new Set(ids.map(jobId));
    let revived = 0;
    // Failed jobs are rare and kept at most 10,000 (removeOnFail): one read of the failed set, not a lookup per pending row.
    if ((await (target as Queue).getFailedCount()) > 0) {
      for (const job of await (target as Queue).getFailed()) {
        if (job.id && wanted.has(job.id)) {
          await job.retry('failed');
          revived += 1;
        }
      }
    }
    if (options.promoteDelayed) {
      for (const id of wanted) {
        const job = await (target as Queue).getJob(id);
        if (job && (await job.isDelayed())) {
          await job.promote();
          revived += 1;
        }
      }
    }
    return revived;
  }

  async enqueueOutbox(rows: Array<{ id: string }>): Promise<number> {
    if (!rows.length) return 0;
    await this.outbox.addBulk(
      rows.map((row) => ({ name: OUTBOX_JOB, data: { outboxId: row.id }, opts: { ...JOB_OPTIONS, jobId: outboxJobId(row.id) } })),
    );
    return rows.length;
  }

  /** Webhook deliveries: BullMQ retries a failed attempt with exponential backoff up to the configured attempts. */
  async enqueueWebhookDeliveries(deliveryIds: string[]): Promise<number> {
    if (!deliveryIds.length) return 0;
    const { maxAttempts, backoffMs } = this.config.webhook;
    await this.webhooks.addBulk(
      deliveryIds.map((id) => ({
        name: WEBHOOK_JOB,
        data: { deliveryId: id },
        opts: { ...JOB_OPTIONS, jobId: webhookJobId(id), attempts: maxAttempts, backoff: { type: 'exponential', delay: backoffMs } },
      })),
    );
    return deliveryIds.length;
  }

  /** Queues a delivery again after a resend: a finished or failed job of that id would make a plain add a no-op. */
  async requeueWebhookDelivery(deliveryId: string): Promise<void> {
    await this.webhooks.remove(webhookJobId(deliveryId));
    await this.enqueueWebhookDeliveries([deliveryId]);
  }

  private async removeTimerJobs(timerIds: string[]): Promise<void> {
    await Promise.all(timerIds.map((id) => this.timers.remove(timerJobId(id))));
  }
}
