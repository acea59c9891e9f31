import { Module } from '@nestjs/common';
import { TimerProcessor } from './timer.processor';
import { OutboxProcessor } from './outbox.processor';
import { MaintenanceProcessor } from './maintenance.processor';
import { WebhookProcessor } from './webhook.processor';

/** The BullMQ processors. Needs `DomainModule` (global) from the root module. */
@Module({ providers: [TimerProcessor, OutboxProcessor, WebhookProcessor, MaintenanceProcessor] })
export class WorkerModule {}
