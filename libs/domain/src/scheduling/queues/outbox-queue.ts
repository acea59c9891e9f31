import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { LoggedWorkerHost } from './logged-worker-host';
import { absentJobIds, ROW_JOB_OPTIONS, reviveJobs } from './row-jobs';

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

  /** The reconciler's add: only the rows whose job is not in Redis. */
  async addAbsent(rows: Array<{ id: string }>): Promise<number> {
    const absent = await absentJobIds(
      this.queue,
      rows.map((row) => outboxJobId(row.id)),
    );
    return absent.size ? this.add(rows.filter((row) => absent.has(outboxJobId(row.id)))) : 0;
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

/** The consumer: relays outbox rows once each, `OUTBOX_CONCURRENCY` at a time. */
@Processor(OUTBOX_QUEUE)
export class OutboxProcessor extends LoggedWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly relay: OutboxJobHandler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap() {
    this.worker.concurrency = this.config.outboxConcurrency;
  }

  async process(job: Job<OutboxJob>) {
    if (job.name !== OUTBOX_JOB) throw new UnrecoverableError(`no handler for ${OUTBOX_QUEUE} job "${job.name}"`);
    return { delivered: await this.relay.deliver(job.data.outboxId) };
  }
}
