import { UserEntity } from './user.entity';
import { PatientEntity } from './patient.entity';
import { PatientEventEntity } from './patient-event.entity';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { TimerEntity } from './timer.entity';
import { OutboxEntity } from './outbox.entity';
import { TrialEntity } from './trial.entity';
import { NotificationEntity } from './notification.entity';
import { WebhookDeliveryEntity, WebhookEntity } from './webhook.entity';
import { AccessRecordEntity } from './access-record.entity';
import { SiteAmendmentApprovalEntity } from './site-amendment-approval.entity';
import { ManufacturingBookingEntity, ManufacturingSiteEntity, ManufacturingSiteTrialEntity } from './manufacturing.entity';
import { DataQueryEntity, DataQueryMessageEntity } from './data-query.entity';
import { OutcomeFactsEntity } from './outcome-facts.entity';
import { DeviationFactsEntity } from './deviation-facts.entity';
import { LabCodeMappingEntity, LabMessageEntity, LabPatientIdentifierEntity, LabResultEntity } from './lab-intake.entity';

export {
  UserEntity,
  PatientEntity,
  PatientEventEntity,
  IdempotencyKeyEntity,
  TimerEntity,
  OutboxEntity,
  TrialEntity,
  NotificationEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
  AccessRecordEntity,
  SiteAmendmentApprovalEntity,
  LabMessageEntity,
  LabResultEntity,
  LabCodeMappingEntity,
  LabPatientIdentifierEntity,
  ManufacturingSiteEntity,
  ManufacturingSiteTrialEntity,
  ManufacturingBookingEntity,
  DataQueryEntity,
  DataQueryMessageEntity,
  OutcomeFactsEntity,
  DeviationFactsEntity,
};
export type { LabChannel, LabOutcome, InboxStatus, ResultOutcome } from './lab-intake.entity';
export type { Role } from './user.entity';
export { ROLES } from './user.entity';
export type { TimerStatus } from './timer.entity';
export type { OutboxStatus } from './outbox.entity';
export type { WebhookDeliveryStatus } from './webhook.entity';
export type { ElectronicSignature } from './patient-event.entity';
export type { BookingStatus } from './manufacturing.entity';
export { BOOKING_STATUSES } from './manufacturing.entity';
export type { QueryStatus, QueryMessageKind } from './data-query.entity';
export { QUERY_STATUSES } from './data-query.entity';

export const ENTITIES = [
  UserEntity,
  PatientEntity,
  PatientEventEntity,
  IdempotencyKeyEntity,
  TimerEntity,
  OutboxEntity,
  TrialEntity,
  NotificationEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
  AccessRecordEntity,
  SiteAmendmentApprovalEntity,
  LabMessageEntity,
  LabResultEntity,
  LabCodeMappingEntity,
  LabPatientIdentifierEntity,
  ManufacturingSiteEntity,
  ManufacturingSiteTrialEntity,
  ManufacturingBookingEntity,
  DataQueryEntity,
  DataQueryMessageEntity,
  OutcomeFactsEntity,
  DeviationFactsEntity,
];
