import { Processor } from '@nestjs/bullmq';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { LoggedWorkerHost } from './logged-worker-host';
import { ROW_JOB_OPTIONS, reviveJobs } from './row-jobs';

/**
 * The outbox queue, whole: a job per outbox row (a notification), added after the commit that wrote
 * the row and again by the reconciler while it is pending; the worker relays it to its inboxes and
 * webhooks once. A job carries the row id only.
 */
export const OUTBOX_QUEUE = 'outbox';
const OUTBOX_JOB = 'deliver';

export interface OutboxJob {
  outboxId: string;
}

export const outboxJobId = (outboxId: string) => `outbox-${outboxId}`;

/** The producer. */
export class OutboxJobs {
  constructor(private readonly queue: Queue<OutboxJob>) {}

  async add(rows: Array<{ id: string }>): Promise<number> {
    if (!rows.length) return 0;
    await this.queue.addBulk(rows.map((row) => ({ name: OUTBOX_JOB, data: { outboxId: row.id }, opts: { ...ROW_JOB_OPTIONS, jobId: outboxJobId(row.id) } })));
    return rows.length;
  }

  revive(outboxIds: string[], options: { promoteDelayed: boolean }): Promise<number> {
    return reviveJobs(this.queue, outboxIds.map(outboxJobId), options);
  }
}

/**
 * What an outbox job runs: `OutboxRelay` (scheduling/) fans the row out, answering whether it was
 * still pending. Declared here, bound in the worker module: the relay produces webhook jobs through
 * the dispatcher, which imports this file.
 */
export abstract class OutboxJobHandler {
  abstract deliver(outboxId: string): Promise<boolean>;
}

/** The consumer: relays outbox rows once each, four at a time. */
@Processor(OUTBOX_QUEUE, { concurrency: 4 })
export class OutboxProcessor extends LoggedWorkerHost {
  constructor(private readonly relay: OutboxJobHandler) {
    super();
  }

  async process(job: Job<OutboxJob>) {
    if (job.name !== OUTBOX_JOB) throw new UnrecoverableError(`no handler for ${OUTBOX_QUEUE} job "${job.name}"`);
    return { delivered: await this.relay.deliver(job.data.outboxId) };
  }
}
