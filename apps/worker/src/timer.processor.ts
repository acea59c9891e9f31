import { Processor } from '@nestjs/bullmq';
import { LoggedWorkerHost } from './logged-worker-host';
import { type Job, UnrecoverableError } from 'bullmq';
import { TIMER_QUEUE, TimerService, type TimerJob } from '#domain';

/** Fires due timers through the engine as `system:scheduler`. */
@Processor(TIMER_QUEUE, { concurrency: 4 })
export class TimerProcessor extends LoggedWorkerHost {
  constructor(private readonly timers: TimerService) {
    super();
  }

  async process(job: Job<TimerJob>) {
    if (job.name !== 'fire') throw new UnrecoverableError(`no handler for ${TIMER_QUEUE} job "${job.name}"`);
    const outcome = await this.timers.fire(job.data.timerId);
    if (outcome.fired || outcome.skipped) this.logger.debug(`timer ${job.data.timerId}: ${JSON.stringify(outcome)}`);
    return outcome;
  }
}
