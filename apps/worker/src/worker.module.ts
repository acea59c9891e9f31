import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TimerProcessor } from './timer.processor';
import { OutboxProcessor } from './outbox.processor';
import { MaintenanceProcessor } from './maintenance.processor';
import { WebhookProcessor } from './webhook.processor';
import { CHECKPOINT_QUEUE, CheckpointProcessor } from './checkpoint.queue';

/** The BullMQ processors. Needs `DomainModule` (global) from the root module. */
@Module({
  imports: [BullModule.registerQueue({ name: CHECKPOINT_QUEUE })],
  providers: [TimerProcessor, OutboxProcessor, WebhookProcessor, MaintenanceProcessor, CheckpointProcessor],
})
export class WorkerModule {}
