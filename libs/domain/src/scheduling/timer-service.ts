import { Injectable } from '@nestjs/common';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { InjectDataSource } from '@nestjs/typeorm';
import { TimerEntity } from '../persistence/entities';
import { WorkflowEngine } from '../engine/workflow-engine';

/**
 * Fires a due timer. Timers of one patient fire in the order they fall due: before the one asked
 * for, any earlier pending one of the same patient fires first (after a clock jump or an outage,
 * many fall due at once and their jobs may arrive in any order).
 */
@Injectable()
export class TimerService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly engine: WorkflowEngine,
  ) {}

  async fire(timerId: string): Promise<{ fired: number; skipped: number }> {
    const timer = await this.dataSource.getRepository(TimerEntity).findOneBy({ id: timerId });
    if (!timer || timer.status !== 'pending') return { fired: 0, skipped: 0 };
    const due = await this.dataSource.getRepository(TimerEntity).find({
      where: { patientId: timer.patientId, status: 'pending', dueAt: LessThanOrEqual(timer.dueAt) },
      order: { dueAt: 'ASC', createdSeq: 'ASC', id: 'ASC' },
      select: { id: true },
    });
    const counts = { fired: 0, skipped: 0 };
    for (const { id } of due) {
      const outcome = await this.engine.fireTimer(id);
      if (outcome === 'fired') counts.fired += 1;
      if (outcome === 'skipped') counts.skipped += 1;
    }
    return counts;
  }
}
