import { Processor } from '@nestjs/bullmq';
import { LoggedWorkerHost } from './logged-worker-host';
import { type Job, UnrecoverableError } from 'bullmq';
import { OUTBOX_QUEUE, OutboxRelay, type OutboxJob, OUTBOX_JOB } from '#domain';

/** Relays outbox rows (notifications) once each. */
@Processor(OUTBOX_QUEUE, { concurrency: 4 })
export class OutboxProcessor extends LoggedWorkerHost {
  constructor(private readonly relay: OutboxRelay) {
    super();
  }

  async process(job: Job<OutboxJob>) {
    if (job.name !== OUTBOX_JOB) throw new UnrecoverableError(`no handler for ${OUTBOX_QUEUE} job "${job.name}"`);
    return { delivered: await this.relay.deliver(job.data.outboxId) };
  }
}
