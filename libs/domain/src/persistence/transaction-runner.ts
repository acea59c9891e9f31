import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { type Dialect, dialectFor } from './dialects/dialect';

/**
 * Runs a unit of work in one database transaction, as the database's dialect runs them: PostgreSQL
 * side by side (rows locked `FOR UPDATE`), the embedded SQLite file queued in process behind its one
 * writer.
 */
@Injectable()
export class TransactionRunner {
  readonly dialect: Dialect;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.dialect = dialectFor(dataSource);
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dialect.transaction(work);
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** Row lock for read-then-update inside `run`; SQLite needs none (one writer at a time). */
  get rowLock(): { mode: 'pessimistic_write' } | undefined {
    return this.dialect.rowLock;
  }
}
