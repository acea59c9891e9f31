import { UserEntity } from './user.entity';
import { PatientEntity } from './patient.entity';
import { PatientEventEntity } from './patient-event.entity';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { TimerEntity } from './timer.entity';
import { OutboxEntity } from './outbox.entity';
import { TrialEntity } from './trial.entity';

export { UserEntity, PatientEntity, PatientEventEntity, IdempotencyKeyEntity, TimerEntity, OutboxEntity, TrialEntity };
export type { Role } from './user.entity';
export { ROLES } from './user.entity';
export type { TimerStatus } from './timer.entity';
export type { OutboxStatus } from './outbox.entity';

export const ENTITIES = [UserEntity, PatientEntity, PatientEventEntity, IdempotencyKeyEntity, TimerEntity, OutboxEntity, TrialEntity];
