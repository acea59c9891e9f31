import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, LessThanOrEqual, MoreThan } from 'typeorm';
import { TimerEntity } from '../entities';

/** The timers table as the scheduler reads it (the engine writes and settles timers with the event: EventWriter). */
@Injectable()
export class TimerRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The timer asked for, if still pending, and every pending timer of its patient due at or before
   * it, in due order (then creation, then id): one read.
   */
  async pendingThrough(timerId: string): Promise<Array<{ id: string; patientId: string; dueAt: string }>> {
    return this.dataSource
      .getRepository(TimerEntity)
      .createQueryBuilder('t')
      .innerJoin(TimerEntity, 'asked', "asked.id = :timerId AND asked.status = 'pending'", { timerId })
      .select(['t.id AS "id"', 't.patient_id AS "patientId"', 't.due_at AS "dueAt"'])
      .where("t.patient_id = asked.patient_id AND t.status = 'pending' AND t.due_at <= asked.due_at")
      .orderBy('t.due_at')
      .addOrderBy('t.created_seq')
      .addOrderBy('t.id')
      .getRawMany();
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
