import { Injectable } from '@nestjs/common';
import { TimerRepository } from '../persistence/repositories/timer-repository';
import type { TimerFiring, TimerJobHandler } from '../scheduling/queues/timer-queue';
import { WorkflowEngine } from './workflow-engine';

/**
 * Fires a due timer. Timers of one patient fire in the order they fall due: before the one asked
 * for, any earlier pending one of the same patient fires first (after a clock jump or an outage,
 * many fall due at once and their jobs may arrive in any order).
 */
@Injectable()
export class TimerService implements TimerJobHandler {
  constructor(
    private readonly timers: TimerRepository,
    private readonly engine: WorkflowEngine,
  ) {}

  async fire(timerId: string): Promise<TimerFiring> {
    const counts: TimerFiring = { fired: 0, skipped: 0, early: 0 };
    for (const { id, patientId, dueAt } of await this.timers.pendingThrough(timerId)) {
      const outcome = await this.engine.fireTimer(id, patientId);
      // A request holds the patient's row: nothing was written; the job is tried again shortly (the timers before it fired stay fired).
      if (outcome === 'busy') return { ...counts, busy: true };
      if (outcome === 'fired') counts.fired += 1;
      if (outcome === 'skipped') counts.skipped += 1;
      if (outcome === 'early') counts.early += 1;
      // The timer asked for is not due yet: its job is to wait until it is.
      if (outcome === 'early' && id === timerId) counts.notBefore = dueAt;
    }
    return counts;
  }
}
