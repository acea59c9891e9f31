import { Inject, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { Reconciler } from '../reconciler';
import { OutcomeFacts } from '../../trials/outcome-facts';
import { DeviationFacts } from '../../deviations/deviation-facts';
import { LoggedWorkerHost } from './logged-worker-host';

/**
 * The maintenance queue, whole: its one job runs the reconciler, then the MaintenanceDelivery (the notices due by email), then
 * brings the outcomes' and the deviations' read models up to the logs (ADRs 0021, 0024). The producer is a BullMQ job
 * scheduler with a stable id, every `RECONCILE_EVERY_MS`; a Redis that lost its keys lost the
 * scheduler too, so the worker re-asserts it on every period (an idempotent upsert), and runs the
 * reconciler once at start so a restart catches up at once.
 */
export const MAINTENANCE_QUEUE = 'maintenance';
const RECONCILE_JOB = 'reconcile';
const RECONCILER_SCHEDULER_ID = 'reconciler';

/**
 * What else runs on the maintenance beat: the mail of notices (notifications/mail-service.ts) is bound to
 * this in the domain module, so scheduling does not import the folder that imports it.
 */
export abstract class MaintenanceDelivery {
  /** Sends what is due and says what went out. A refused send is left for the next beat. */
  abstract deliver(): Promise<object>;
}

/** A reconcile job carries nothing: the reconciler reads the pending rows from the database. */
export type ReconcileJob = Record<string, never>;

/** The consumer, which also asserts the producer (the scheduler) while the worker runs. */
@Processor(MAINTENANCE_QUEUE)
export class MaintenanceProcessor extends LoggedWorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private watchdog?: NodeJS.Timeout;

  constructor(
    private readonly reconciler: Reconciler,
    private readonly mail: MaintenanceDelivery,
    private readonly outcomeFacts: OutcomeFacts,
    private readonly deviationFacts: DeviationFacts,
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue<ReconcileJob>,
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

  async process(job: Job<ReconcileJob>) {
    if (job.name !== RECONCILE_JOB) throw new UnrecoverableError(`no handler for ${MAINTENANCE_QUEUE} job "${job.name}"`);
    const reconciled = await this.reconciler.run();
    // Notices by email go on the same beat (README, "Email and calendar feeds"); a refused send is tried again next time.
    const mailed = await this.mail.deliver();
    // The outcomes' readings of the patients whose logs grew since the last beat: a read then finds them current.
    const outcomeFacts = await this.outcomeFacts.catchUp();
    // The deviations' likewise (ADR 0024).
    const deviationFacts = await this.deviationFacts.catchUp();
    return { ...reconciled, mailed, outcomeFacts, deviationFacts };
  }
}
