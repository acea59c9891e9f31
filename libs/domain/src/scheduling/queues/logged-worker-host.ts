import { Logger } from '@nestjs/common';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';

/**
 * A processor whose worker errors (Redis gone, a job's keys lost mid-run) are logged instead of
 * surfacing as an unhandled `error` event. The job's row in the database is untouched, so the
 * reconciler enqueues it again.
 */
export abstract class LoggedWorkerHost extends WorkerHost {
  protected readonly logger = new Logger(this.constructor.name);

  @OnWorkerEvent('failed')
  onJobFailed(job: { id?: string; attemptsMade: number; opts: { attempts?: number } } | undefined, error: Error) {
    this.logger.warn(`Job ${job?.id} failed (attempt ${job?.attemptsMade} of ${job?.opts.attempts ?? 1}): ${error.message}`);
  }

  @OnWorkerEvent('error')
  onWorkerError(error: Error) {
    this.logger.warn(`Worker error; the database keeps the job's row for the reconciler: ${error.message}`);
  }
}
