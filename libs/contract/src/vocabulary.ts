/** The roles a user holds: the event policy's (libs/protocols/src/policy/roles.ts). */
export { ROLES, type Role } from '#protocols';

/** Everything the access audit records. Reads and exports name the patients; the rest name a user, a webhook or a delivery. */
export const ACCESS_ACTIONS = [
  'patient.read',
  'patient.events.read',
  'patient.schedule.read',
  'patients.list',
  'worklist.read',
  'export.fhir',
  'export.sdtm',
  'user.create',
  'user.revoke',
  'token.rotate',
  'webhook.create',
  'webhook.revoke',
  'webhook.resend',
  'signing-password.set',
  'signing-password.change',
  'signing-password.reset',
  'signing.failure',
  'signing.lock',
  'signing.unlock',
  'trial.data-lock',
  'trial.hold-release',
  'export.audit-log',
  'export.checkpoints',
  'checkpoint.create',
  'amendment.preview',
  'amendment.approval-record',
  'amendment.approval-correct',
] as const;
