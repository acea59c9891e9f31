import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { Queue } from 'bullmq';
import {
  AccessLog,
  type Actor,
  type AppConfig,
  dataSourceOptions,
  JobDispatcher,
  Metrics,
  OutboxRelay,
  SiteApprovalRepository,
  SiteApprovalService,
  TimerService,
  TransactionRunner,
  TrialLedger,
  WorkflowEngine,
} from '#domain';
import { BedsideAlarm } from '../../libs/domain/src/engine/bedside-alarm';
import { ManufacturingRepository } from '../../libs/domain/src/manufacturing/manufacturing-repository';
import { SlotLedger } from '../../libs/domain/src/manufacturing/slot-ledger';
import { EventWriter } from '../../libs/domain/src/persistence/event-writer';
import { OutboxRepository } from '../../libs/domain/src/persistence/repositories/outbox-repository';
import { TimerRepository } from '../../libs/domain/src/persistence/repositories/timer-repository';
import { createTestDatabase, type DatabaseKind } from '#testing';
import { TestClock } from '../support/test-clock';

/** A queue that keeps what the dispatcher hands it, in place of BullMQ and Redis. */
export class RecordingQueue {
  readonly added: Array<{ name: string; data: Record<string, unknown>; opts: { jobId: string; delay?: number } }> = [];
  readonly removed: string[] = [];

  async addBulk(jobs: RecordingQueue['added']): Promise<void> {
    this.added.push(...jobs);
  }

  async remove(jobId: string): Promise<void> {
    this.removed.push(jobId);
  }
}

export const COORDINATOR: Actor = { id: 'user:coordinator-a', name: 'Carla Coordinator', role: 'coordinator', siteIds: ['site-a'] };
export const INVESTIGATOR: Actor = { id: 'user:investigator-a', name: 'Ivan Investigator', role: 'investigator', siteIds: ['site-a'] };

/**
 * The engine, its repositories and the outbox relay built by hand on a database of their own (a fresh
 * PostgreSQL database or SQLite file, migrated), without Nest or Redis: the queues only record.
 */
export interface MediumEngine {
  kind: DatabaseKind;
  dataSource: DataSource;
  tx: TransactionRunner;
  writer: EventWriter;
  engine: WorkflowEngine;
  timers: TimerService;
  relay: OutboxRelay;
  clock: TestClock;
  metrics: Metrics;
  queues: { timers: RecordingQueue; outbox: RecordingQueue; webhooks: RecordingQueue };
  close(): Promise<void>;
}

export async function mediumEngine(kind: DatabaseKind): Promise<MediumEngine> {
  const database = await createTestDatabase(kind);
  const config = {
    database: kind === 'postgres' ? { type: 'postgres', url: database.env.DATABASE_URL } : { type: 'sqlite', path: join(database.env.DATA_DIR, 'trials.sqlite') },
    dbPoolSize: 4,
    timeScale: 1,
    clockOrigin: undefined,
    timerHorizonMs: 7 * 24 * 3600 * 1000,
    isbtFin: 'A9999',
    webhook: { maxAttempts: 3, backoffMs: 100 },
  } as unknown as AppConfig;
  const dataSource = await new DataSource(dataSourceOptions(config)).initialize();
  const clock = new TestClock();
  const metrics = new Metrics();
  const queues = { timers: new RecordingQueue(), outbox: new RecordingQueue(), webhooks: new RecordingQueue() };
  const asQueue = (q: RecordingQueue) => q as unknown as Queue;
  const dispatcher = new JobDispatcher(asQueue(queues.timers), asQueue(queues.outbox), asQueue(queues.webhooks), config, clock);
  const tx = new TransactionRunner(dataSource);
  const writer = new EventWriter(tx);
  const siteApprovals = new SiteApprovalService(new SiteApprovalRepository(tx), tx, new AccessLog(dataSource, tx, clock), clock);
  const alarm = new BedsideAlarm(tx, new AccessLog(dataSource, tx, clock), dispatcher, clock);
  const slots = new SlotLedger(new ManufacturingRepository(tx), new AccessLog(dataSource, tx, clock));
  const engine = new WorkflowEngine(tx, dispatcher, clock, metrics, new TrialLedger(tx), writer, config, siteApprovals, alarm, slots);
  return {
    kind,
    dataSource,
    tx,
    writer,
    engine,
    timers: new TimerService(new TimerRepository(dataSource), engine),
    relay: new OutboxRelay(tx, new OutboxRepository(dataSource, tx), dispatcher, clock),
    clock,
    metrics,
    queues,
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}
