import { Processor } from '@nestjs/bullmq';
import { type Job, UnrecoverableError } from 'bullmq';
import { WEBHOOK_QUEUE, WebhookSender, type WebhookJob, WEBHOOK_JOB } from '#domain';
import { LoggedWorkerHost } from './logged-worker-host';

/** Sends signed webhook deliveries; a failed attempt throws so BullMQ retries it with backoff. */
@Processor(WEBHOOK_QUEUE, { concurrency: 4 })
export class WebhookProcessor extends LoggedWorkerHost {
  constructor(private readonly sender: WebhookSender) {
    super();
  }

  async process(job: Job<WebhookJob>) {
    if (job.name !== WEBHOOK_JOB) throw new UnrecoverableError(`no handler for ${WEBHOOK_QUEUE} job "${job.name}"`);
    return { outcome: await this.sender.send(job.data.deliveryId) };
  }
}
