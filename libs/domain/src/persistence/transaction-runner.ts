import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Mutex } from 'async-mutex';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a unit of work in one database transaction. PostgreSQL runs them side by side (rows are
 * locked `FOR UPDATE`); the embedded SQLite file has one connection and one writer, so its
 * transactions are queued in process.
 */
@Injectable()
export class TransactionRunner {
  private readonly sqliteWriter = new Mutex();
  readonly isPostgres: boolean;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.isPostgres = dataSource.options.type === 'postgres';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.isPostgres) return this.dataSource.transaction(work);
    return this.sqliteWriter.runExclusive(() => this.dataSource.transaction(work));
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** PostgreSQL's connection pool (pg.Pool), for single statements outside any transaction. */
  get pgPool(): unknown {
    if (!this.isPostgres) throw new Error('pgPool is PostgreSQL only');
    return (this.dataSource.driver as unknown as { master: unknown }).master;
  }

  /** Row lock for read-then-update inside `run`; SQLite needs none (one writer at a time). */
  get rowLock(): { mode: 'pessimistic_write' } | undefined {
    return this.isPostgres ? { mode: 'pessimistic_write' } : undefined;
  }
}
