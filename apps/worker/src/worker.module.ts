import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import {
  CHECKPOINT_QUEUE,
  CheckpointProcessor,
  MaintenanceProcessor,
  MllpListener,
  OutboxJobHandler,
  OutboxProcessor,
  OutboxRelay,
  TimerJobHandler,
  TimerProcessor,
  TimerService,
  WebhookJobHandler,
  WebhookProcessor,
  WebhookSender,
} from '#domain';

/**
 * The BullMQ consumers, one per queue (each defined whole in libs/domain/src/scheduling/queues/),
 * and the services their jobs run. Needs `DomainModule` (global) from the root module.
 */
@Module({
  imports: [BullModule.registerQueue({ name: CHECKPOINT_QUEUE })],
  providers: [
    { provide: TimerJobHandler, useExisting: TimerService },
    { provide: OutboxJobHandler, useExisting: OutboxRelay },
    { provide: WebhookJobHandler, useExisting: WebhookSender },
    TimerProcessor,
    OutboxProcessor,
    WebhookProcessor,
    MaintenanceProcessor,
    CheckpointProcessor,
    // The HL7 v2 MLLP listener (lab results in), when HL7_MLLP_PORT is set.
    MllpListener,
  ],
})
export class WorkerModule {}
