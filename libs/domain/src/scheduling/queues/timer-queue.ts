import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { DelayedError, type Job, type Queue, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { Clock } from '../../kernel/clock';
import { LoggedWorkerHost } from './logged-worker-host';
import { absentJobIds, ROW_JOB_OPTIONS, reviveJobs } from './row-jobs';

/**
 * The timers queue, whole: a delayed job per pending timer row due within `TIMER_HORIZON_DAYS`,
 * added after the commit that wrote the row (and again by the reconciler), removed when the timer is
 * cancelled; the worker fires it through the engine as `system:scheduler`. A job carries the row id
 * only: the row's status, not the job, makes a timer fire once.
 */
export const TIMER_QUEUE = 'timers';
const TIMER_JOB = 'fire';

export interface TimerJob {
  timerId: string;
}

export const timerJobId = (timerId: string) => `timer-${timerId}`;

/** How long a timer's job waits in real time: until `dueAt`, divided by `TIME_SCALE` (a scaled demo day passes in a second). */
export function timerWaitMs(dueAt: string, clock: Clock, config: AppConfig): number {
  return Math.max(0, Date.parse(dueAt) - clock.now().getTime()) / config.timeScale;
}

/** The producer. */
export class TimerJobs {
  constructor(
    private readonly queue: Queue<TimerJob>,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Enqueues timers due within the horizon as delayed jobs; later ones wait in the database. */
  async add(timers: Array<{ id: string; dueAt: string }>): Promise<number> {
    const jobs = timers
      .map((t) => ({ t, waitMs: timerWaitMs(t.dueAt, this.clock, this.config) }))
      .filter(({ waitMs }) => waitMs <= this.config.timerHorizonMs)
      .map(({ t, waitMs }) => ({
        name: TIMER_JOB,
        data: { timerId: t.id },
        opts: { ...ROW_JOB_OPTIONS, jobId: timerJobId(t.id), delay: Math.round(waitMs) },
      }));
    if (jobs.length) await this.queue.addBulk(jobs);
    return jobs.length;
  }

  /** The reconciler's add: of these timers due within the horizon, only those whose job is not in Redis. */
  async addAbsent(timers: Array<{ id: string; dueAt: string }>): Promise<number> {
    const absent = await absentJobIds(
      this.queue,
      timers.map((t) => timerJobId(t.id)),
    );
    return absent.size ? this.add(timers.filter((t) => absent.has(timerJobId(t.id)))) : 0;
  }

  /** Removes the jobs of cancelled timers (the row, cancelled, would skip them anyway). */
  async remove(timerIds: string[]): Promise<void> {
    await Promise.all(timerIds.map((id) => this.queue.remove(timerJobId(id))));
  }

  revive(timerIds: string[], options: { promoteDelayed: boolean }): Promise<number> {
    return reviveJobs(this.queue, timerIds.map(timerJobId), options);
  }
}

/**
 * What a timer job runs: `TimerService` (engine/) fires the timer and, first, every earlier pending
 * one of its patient. Declared here, bound in the worker module: the engine produces timer jobs, so
 * this file does not import it.
 */
export abstract class TimerJobHandler {
  abstract fire(timerId: string): Promise<TimerFiring>;
}

/**
 * What firing a timer (and its patient's earlier ones) did; `notBefore`: the timer asked for is not
 * due until then; `busy`: its patient's row was locked by a request, and it was left pending.
 */
export interface TimerFiring {
  fired: number;
  skipped: number;
  early: number;
  notBefore?: string;
  busy?: boolean;
}

/** The consumer: fires due timers, `TIMER_CONCURRENCY` at a time. */
@Processor(TIMER_QUEUE)
export class TimerProcessor extends LoggedWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly timers: TimerJobHandler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  onApplicationBootstrap() {
    this.worker.concurrency = this.config.timerConcurrency;
  }

  async process(job: Job<TimerJob>, token?: string) {
    if (job.name !== TIMER_JOB) throw new UnrecoverableError(`no handler for ${TIMER_QUEUE} job "${job.name}"`);
    const outcome = await this.timers.fire(job.data.timerId);
    if (outcome.fired || outcome.skipped) this.logger.debug(`timer ${job.data.timerId}: ${JSON.stringify(outcome)}`);
    if (outcome.busy) {
      // Its patient's row is held by a request (ADR 0023): the same job waits a moment and tries
      // again, without taking an attempt; meanwhile the slot fires the other timers that fall due.
      await job.moveToDelayed(Date.now() + this.config.timerBusyRetryMs, token);
      throw new DelayedError();
    }
    if (outcome.notBefore) {
      // Ran before its timer was due (a forged or early job): nothing was written; the same job waits
      // until the timer falls due, so the timer still fires on time (the reconciler would, later).
      this.logger.warn(`timer ${job.data.timerId}: its job ran before the timer was due (${outcome.notBefore}); delayed until then`);
      await job.moveToDelayed(Date.now() + Math.round(timerWaitMs(outcome.notBefore, this.clock, this.config)), token);
      throw new DelayedError();
    }
    if (outcome.early) this.logger.warn(`timer ${job.data.timerId}: an earlier timer of its patient was not due yet; left pending for its own job`);
    return outcome;
  }
}
