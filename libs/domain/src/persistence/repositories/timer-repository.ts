import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, LessThanOrEqual, MoreThan } from 'typeorm';
import { TimerEntity } from '../entities';

const PENDING_THROUGH = `
  SELECT t.id AS "id", t.patient_id AS "patientId", t.due_at AS "dueAt"
    FROM timers asked JOIN timers t ON t.patient_id = asked.patient_id AND t.status = 'pending' AND t.due_at <= asked.due_at
   WHERE asked.id = :timerId AND asked.status = 'pending'
   ORDER BY t.due_at, t.created_seq, t.id`;

/** The timers table as the scheduler reads it (the engine writes and settles timers with the event: EventWriter). */
@Injectable()
export class TimerRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The timer asked for, if still pending, and every pending timer of its patient due at or before
   * it, in due order (then creation, then id): one read.
   */
  async pendingThrough(timerId: string): Promise<Array<{ id: string; patientId: string; dueAt: string }>> {
    // Plain SQL: it runs for every timer fired, and the query builder cost more CPU than the query.
    const [sql, values] = this.dataSource.driver.escapeQueryWithParameters(PENDING_THROUGH, { timerId });
    return this.dataSource.query(sql, values);
  }

  /** A page of pending timers due by `horizon`, in id order after `afterId`. */
  pendingDueBy(horizon: string, afterId: string, take: number): Promise<Array<Pick<TimerEntity, 'id' | 'dueAt'>>> {
    return this.dataSource.getRepository(TimerEntity).find({
      where: { status: 'pending', dueAt: LessThanOrEqual(horizon), id: MoreThan(afterId) },
      order: { id: 'ASC' },
      take,
      select: { id: true, dueAt: true },
    });
  }
}
