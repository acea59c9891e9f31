import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { LoggedWorkerHost } from './logged-worker-host';
import { type Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, type AppConfig, TIMER_QUEUE, TimerService, type TimerJob, TIMER_JOB } from '#domain';

/** Fires due timers through the engine as `system:scheduler`, `TIMER_CONCURRENCY` at a time. */
@Processor(TIMER_QUEUE)
export class TimerProcessor extends LoggedWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly timers: TimerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap() {
    this.worker.concurrency = this.config.timerConcurrency;
  }

  async process(job: Job<TimerJob>) {
    if (job.name !== TIMER_JOB) throw new UnrecoverableError(`no handler for ${TIMER_QUEUE} job "${job.name}"`);
    const outcome = await this.timers.fire(job.data.timerId);
    if (outcome.fired || outcome.skipped) this.logger.debug(`timer ${job.data.timerId}: ${JSON.stringify(outcome)}`);
    if (outcome.early) this.logger.warn(`timer ${job.data.timerId}: its job ran before the timer was due; left pending for its own job or the reconciler`);
    return outcome;
  }
}
