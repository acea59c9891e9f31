import { Module } from '@nestjs/common';
import { TimerProcessor } from './timer.processor';
import { OutboxProcessor } from './outbox.processor';
import { MaintenanceProcessor } from './maintenance.processor';

/** The BullMQ processors. Needs `DomainModule` (global) from the root module. */
@Module({ providers: [TimerProcessor, OutboxProcessor, MaintenanceProcessor] })
export class WorkerModule {}
