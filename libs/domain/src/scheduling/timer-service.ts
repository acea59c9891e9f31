import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InjectDataSource } from '@nestjs/typeorm';
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
    // The timer asked for, if still pending, and every pending timer of its patient due at or before
    // it, in due order: one read.
    const p = this.dataSource.options.type === 'postgres' ? (n: number) => `$${n}` : () => '?';
    const due: Array<{ id: string; patient_id: string }> = await this.dataSource.query(
      `SELECT t.id, t.patient_id FROM timers t
         JOIN timers asked ON asked.id = ${p(1)} AND asked.status = 'pending'
        WHERE t.patient_id = asked.patient_id AND t.status = 'pending' AND t.due_at <= asked.due_at
        ORDER BY t.due_at, t.created_seq, t.id`,
      [timerId],
    );
    const counts = { fired: 0, skipped: 0 };
    for (const { id, patient_id: patientId } of due) {
      const outcome = await this.engine.fireTimer(id, patientId);
      if (outcome === 'fired') counts.fired += 1;
      if (outcome === 'skipped') counts.skipped += 1;
    }
    return counts;
  }
}
