import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BullModule } from '@nestjs/bullmq';
import { APP_CONFIG, type AppConfig } from './config/config';
import { closeRedisConnection, redisConnection } from './config/redis';
import { dataSourceOptions } from './persistence/data-source-options';
import { TransactionRunner } from './persistence/transaction-runner';
import { Clock, clockFor } from './kernel/clock';
import { WorkflowEngine } from './engine/workflow-engine';
import { BedsideAlarm } from './engine/bedside-alarm';
import { BagLabelService } from './patients/bag-label';
import { EventWriter } from './persistence/event-writer';
import { TimerRepository } from './persistence/repositories/timer-repository';
import { OutboxRepository } from './persistence/repositories/outbox-repository';
import { PatientRepository } from './persistence/repositories/patient-repository';
import { UserRepository } from './persistence/repositories/user-repository';
import { AuditRepository } from './persistence/repositories/audit-repository';
import { NotificationRepository } from './persistence/repositories/notification-repository';
import { JobDispatcher } from './scheduling/job-dispatcher';
import { TIMER_QUEUE } from './scheduling/queues/timer-queue';
import { OUTBOX_QUEUE } from './scheduling/queues/outbox-queue';
import { WEBHOOK_QUEUE } from './scheduling/queues/webhook-queue';
import { MAINTENANCE_QUEUE, MaintenanceDelivery } from './scheduling/queues/maintenance-queue';
import { TimerService } from './engine/timer-service';
import { Reconciler } from './scheduling/reconciler';
import { OutboxRelay } from './scheduling/outbox-relay';
import { WebhookSender } from './notifications/webhook-sender';
import { NotificationService } from './notifications/notification-service';
import { PatientService } from './patients/patient-service';
import { WorklistService } from './patients/worklist-service';
import { UserService } from './users/user-service';
import { ReachService } from './users/reach-service';
import { MailService } from './notifications/mail-service';
import { CalendarService } from './patients/calendar-service';
import { SignatureService } from './users/signature-service';
import { AuditService } from './audit/audit-service';
import { AccessLog } from './audit/access-log';
import { CheckpointKey } from './audit/checkpoint-key';
import { CheckpointFile } from './audit/checkpoint-file';
import { CheckpointService } from './audit/checkpoint-service';
import { Metrics } from './metrics';
import { TrialLedger } from './trials/trial-ledger';
import { TrialService } from './trials/trial-service';
import { OutcomesService } from './trials/outcomes-service';
import { OutcomeFacts } from './trials/outcome-facts';
import { OutcomeFactsRows } from './trials/outcome-facts-rows';
import { ExportService } from './exports/export-service';
import { AmendmentMigrator } from './amendments/amendment-migrator';
import { RolloverService } from './amendments/rollover-service';
import { SITE_APPROVALS_PROVIDER, SiteApprovals } from './amendments/site-approvals';
import { SiteApprovalRepository } from './site-approvals/site-approval-repository';
import { SiteApprovalService } from './site-approvals/site-approval-service';
import { ManufacturingRepository } from './manufacturing/manufacturing-repository';
import { SlotLedger } from './manufacturing/slot-ledger';
import { ManufacturingService } from './manufacturing/manufacturing-service';
import { LabIntakeRepository } from './lab-intake/lab-intake-repository';
import { LabIntakeService } from './lab-intake/lab-intake-service';
import { Hl7Intake } from './lab-intake/hl7/hl7-intake';
import { FhirIntake } from './lab-intake/fhir/fhir-intake';
import { DataQueryService } from './queries/data-query-service';
import { DeviationService } from './deviations/deviation-service';
import { DeviationFacts } from './deviations/deviation-facts';
import { PromptWorker } from './scheduling/queues/prompt-worker';

const SERVICES = [
  Metrics,
  TrialLedger,
  TrialService,
  OutcomesService,
  OutcomeFacts,
  OutcomeFactsRows,
  ExportService,
  DeviationService,
  DeviationFacts,
  TransactionRunner,
  EventWriter,
  TimerRepository,
  OutboxRepository,
  PatientRepository,
  UserRepository,
  AuditRepository,
  NotificationRepository,
  WorkflowEngine,
  BedsideAlarm,
  BagLabelService,
  AmendmentMigrator,
  RolloverService,
  JobDispatcher,
  TimerService,
  Reconciler,
  OutboxRelay,
  WebhookSender,
  NotificationService,
  PatientService,
  WorklistService,
  UserService,
  ReachService,
  MailService,
  CalendarService,
  SignatureService,
  AuditService,
  AccessLog,
  CheckpointKey,
  CheckpointFile,
  CheckpointService,
  SiteApprovalRepository,
  SiteApprovalService,
  LabIntakeRepository,
  LabIntakeService,
  Hl7Intake,
  FhirIntake,
  ManufacturingRepository,
  SlotLedger,
  ManufacturingService,
  DataQueryService,
];

/** Closes the queues' Redis connection when the application shuts down. */
class RedisConnectionCloser implements OnApplicationShutdown {
  constructor(private readonly close: () => Promise<void>) {}

  onApplicationShutdown() {
    return this.close();
  }
}

/** Persistence, the engine, scheduling and read services: what both apps import. */
@Module({})
export class DomainModule {
  static forRoot(config: AppConfig, options: { clock?: Clock } = {}): DynamicModule {
    const connection = redisConnection(config);
    // Every queue's worker takes its delayed jobs when due, not at Redis's next tick (prompt-worker.ts).
    BullModule.workerClass = PromptWorker;
    return {
      module: DomainModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot(dataSourceOptions(config)),
        BullModule.forRoot({ connection, prefix: config.queuePrefix }),
        BullModule.registerQueue({ name: TIMER_QUEUE }, { name: OUTBOX_QUEUE }, { name: WEBHOOK_QUEUE }, { name: MAINTENANCE_QUEUE }),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Clock, useValue: options.clock ?? clockFor(config) },
        ...SERVICES,
        SITE_APPROVALS_PROVIDER,
        { provide: MaintenanceDelivery, useExisting: MailService },
        // A cluster client is the module's own: closed after the queues and workers (which close at module destroy).
        { provide: RedisConnectionCloser, useFactory: () => new RedisConnectionCloser(() => closeRedisConnection(connection)) },
      ],
      exports: [APP_CONFIG, Clock, BullModule, ...SERVICES, SiteApprovals, MaintenanceDelivery],
    };
  }
}
