import { Inject, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { LoggedWorkerHost } from './logged-worker-host';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, type AppConfig, MAINTENANCE_QUEUE, RECONCILE_JOB, RECONCILER_SCHEDULER_ID, Reconciler } from '#domain';

/**
 * Runs the reconciler on a BullMQ job scheduler, and once at start so a restart catches up at once.
 * A Redis that lost its keys lost the scheduler too, so the worker re-asserts it on every period
 * (an idempotent upsert).
 */
@Processor(MAINTENANCE_QUEUE)
export class MaintenanceProcessor extends LoggedWorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private watchdog?: NodeJS.Timeout;

  constructor(
    private readonly reconciler: Reconciler,
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async onApplicationBootstrap() {
    await this.assertScheduler();
    this.watchdog = setInterval(() => {
      this.assertScheduler().catch((error: Error) => this.logger.warn(`Reconciler scheduler not asserted: ${error.message}`));
    }, this.config.reconcileEveryMs);
    this.watchdog.unref();
    const restored = await this.reconciler.run();
    this.logger.log(`Worker started; reconciled ${restored.timers} timers and ${restored.outbox} notifications`);
  }

  onApplicationShutdown() {
    clearInterval(this.watchdog);
  }

  private assertScheduler() {
    return this.queue.upsertJobScheduler(RECONCILER_SCHEDULER_ID, { every: this.config.reconcileEveryMs }, { name: RECONCILE_JOB });
  }

  async process(job: Job) {
    if (job.name !== RECONCILE_JOB) throw new UnrecoverableError(`no handler for ${MAINTENANCE_QUEUE} job "${job.name}"`);
    return this.reconciler.run();
  }
}
