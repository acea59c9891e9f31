import { Processor } from '@nestjs/bullmq';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { AppConfig } from '../../config/config';
import { LoggedWorkerHost } from './logged-worker-host';
import { absentJobIds, ROW_JOB_OPTIONS, reviveJobs } from './row-jobs';

/**
 * The webhooks queue, whole: a job per webhook delivery row, added when the outbox relay fans an
 * occurrence out (again by the reconciler while it is pending, and on an admin's resend); the worker
 * POSTs it, and a failed attempt throws so BullMQ retries it with exponential backoff up to
 * `WEBHOOK_MAX_ATTEMPTS`. A job carries the row id only.
 */
export const WEBHOOK_QUEUE = 'webhooks';
const WEBHOOK_JOB = 'deliver';

export interface WebhookJob {
  deliveryId: string;
}

export const webhookJobId = (deliveryId: string) => `webhook-${deliveryId}`;

/** The producer. */
export class WebhookJobs {
  constructor(
    private readonly queue: Queue<WebhookJob>,
    private readonly settings: AppConfig['webhook'],
  ) {}

  async add(deliveryIds: string[]): Promise<number> {
    if (!deliveryIds.length) return 0;
    const { maxAttempts, backoffMs } = this.settings;
    await this.queue.addBulk(
      deliveryIds.map((id) => ({
        name: WEBHOOK_JOB,
        data: { deliveryId: id },
        opts: { ...ROW_JOB_OPTIONS, jobId: webhookJobId(id), attempts: maxAttempts, backoff: { type: 'exponential', delay: backoffMs } },
      })),
    );
    return deliveryIds.length;
  }

  /** The reconciler's add: only the deliveries whose job is not in Redis. */
  async addAbsent(deliveryIds: string[]): Promise<number> {
    const absent = await absentJobIds(this.queue, deliveryIds.map(webhookJobId));
    return absent.size ? this.add(deliveryIds.filter((id) => absent.has(webhookJobId(id)))) : 0;
  }

  /** Queues a delivery again after a resend: a finished or failed job of that id would make a plain add a no-op. */
  async requeue(deliveryId: string): Promise<void> {
    await this.queue.remove(webhookJobId(deliveryId));
    await this.add([deliveryId]);
  }

  revive(deliveryIds: string[], options: { promoteDelayed: boolean }): Promise<number> {
    return reviveJobs(this.queue, deliveryIds.map(webhookJobId), options);
  }
}

/**
 * What a webhook job runs: `WebhookSender` (notifications/) sends the delivery, throwing on a failed
 * attempt. Declared here, bound in the worker module: notifications/ produces webhook jobs through
 * the dispatcher, which imports this file.
 */
export abstract class WebhookJobHandler {
  abstract send(deliveryId: string): Promise<'delivered' | 'dead' | 'skipped'>;
}

/** The consumer: sends signed webhook deliveries, four at a time. */
@Processor(WEBHOOK_QUEUE, { concurrency: 4 })
export class WebhookProcessor extends LoggedWorkerHost {
  constructor(private readonly sender: WebhookJobHandler) {
    super();
  }

  async process(job: Job<WebhookJob>) {
    if (job.name !== WEBHOOK_JOB) throw new UnrecoverableError(`no handler for ${WEBHOOK_QUEUE} job "${job.name}"`);
    return { outcome: await this.sender.send(job.data.deliveryId) };
  }
}
