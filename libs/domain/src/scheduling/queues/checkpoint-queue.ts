import { Inject, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { CheckpointService } from '../../audit/checkpoint-service';
import { LoggedWorkerHost } from './logged-worker-host';

/**
 * The checkpoint queue, whole: its name, its one job and the scheduler that adds it every
 * CHECKPOINT_EVERY_MS (a stable id, re-asserted on every period since a Redis that lost its keys
 * lost the scheduler too; removed when the setting is 0), and the processor. Registered by the
 * worker module only: the API never adds a checkpoint job.
 * One job runs at a time in a process; processes are kept apart by the checkpoint's own lock.
 */
export const CHECKPOINT_QUEUE = 'checkpoints';
const CHECKPOINT_JOB = 'checkpoint';
const CHECKPOINT_SCHEDULER_ID = 'checkpointer';
/** Finished jobs kept in Redis, for looking back at the last runs. */
const KEPT_JOBS = 50;

/** A job carries nothing: the checkpoint reads the chain heads from the database and the last checkpoint from its file. */
export type CheckpointJob = Record<string, never>;

/** The consumer, which also asserts the producer (the scheduler) while the worker runs. */
@Processor(CHECKPOINT_QUEUE)
export class CheckpointProcessor extends LoggedWorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private watchdog?: NodeJS.Timeout;

  constructor(
    private readonly checkpoints: CheckpointService,
    @InjectQueue(CHECKPOINT_QUEUE) private readonly queue: Queue<CheckpointJob>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async onApplicationBootstrap() {
    const every = this.config.checkpoint.everyMs;
    if (!every) {
      await this.queue.removeJobScheduler(CHECKPOINT_SCHEDULER_ID);
      return;
    }
    await this.assertScheduler(every);
    this.watchdog = setInterval(
      () => {
        this.assertScheduler(every).catch((error: Error) => this.logger.warn(`Checkpoint scheduler not asserted: ${error.message}`));
      },
      Math.max(every, 60_000),
    );
    this.watchdog.unref();
  }

  onApplicationShutdown() {
    clearInterval(this.watchdog);
  }

  private assertScheduler(every: number) {
    const kept = { count: KEPT_JOBS };
    return this.queue.upsertJobScheduler(CHECKPOINT_SCHEDULER_ID, { every }, { name: CHECKPOINT_JOB, opts: { removeOnComplete: kept, removeOnFail: kept } });
  }

  async process(job: Job<CheckpointJob>) {
    if (job.name !== CHECKPOINT_JOB) throw new UnrecoverableError(`no handler for ${CHECKPOINT_QUEUE} job "${job.name}"`);
    const { created, checkpoint, sealed, held } = await this.checkpoints.checkpoint();
    return { created, checkpoint: checkpoint?.number ?? null, rootHash: checkpoint?.rootHash ?? null, sealed, held: held.length };
  }
}
