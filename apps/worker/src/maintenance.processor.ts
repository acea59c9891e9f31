import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, type AppConfig, MAINTENANCE_QUEUE, RECONCILE_JOB, RECONCILER_SCHEDULER_ID, Reconciler } from '#domain';

/** Runs the reconciler on a BullMQ job scheduler, and once at start so a restart catches up at once. */
@Processor(MAINTENANCE_QUEUE)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly reconciler: Reconciler,
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async onApplicationBootstrap() {
    await this.queue.upsertJobScheduler(RECONCILER_SCHEDULER_ID, { every: this.config.reconcileEveryMs }, { name: RECONCILE_JOB });
    const restored = await this.reconciler.run();
    this.logger.log(`Worker started; reconciled ${restored.timers} timers and ${restored.outbox} notifications`);
  }

  async process(job: Job) {
    if (job.name !== RECONCILE_JOB) throw new UnrecoverableError(`no handler for ${MAINTENANCE_QUEUE} job "${job.name}"`);
    return this.reconciler.run();
  }
}
