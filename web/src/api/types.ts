/**
 * The answers of the HTTP API, as the console reads them: inferred from the contract's zod schemas
 * (libs/contract), the same ones the server's OpenAPI document (/docs-json) is generated from.
 * Nothing here is written by hand.
 */
import type { z } from 'zod';
import type { createdUserSchema, createUserSchema, postEventSchema, registerPatientSchema, rotatedTokenSchema, userSchema, WorklistUser } from '#contract';

export type {
  Amendments,
  ApiErrorBody,
  Cohort,
  DataIssue,
  DltRecord,
  DoseLevel,
  EnrollmentHold,
  EscalationDecisionRecord,
  EventAnswer,
  GradeCount,
  JsonSchema,
  KaplanMeier,
  KineticsRow,
  LogEntry,
  LymphodepletionPlan,
  ManufacturingCapacity,
  ManufacturingSite,
  ManufacturingSlot,
  CreateManufacturingSiteBody,
  RebookSlotBody,
  CancelSlotBody,
  SlotAnswer,
  ReachPreferences,
  CalendarFeed,
  DataQuery,
  DataQueries,
  RaiseQueryBody,
  AnswerQueryBody,
  MedianAndRange,
  MigratePatientBody,
  MigrateSiteBody,
  MigrationAnswer,
  MigrationPreview,
  MigrationPreviewRow,
  Notification,
  OutcomeGroup,
  Outcomes,
  Page,
  Patient,
  PatientRecord,
  Proportion,
  ProtocolDefinition,
  ProtocolState,
  ProtocolSummary,
  Role,
  RolloverAnswer,
  RolloverBody,
  Schedule,
  SiteApprovalBody,
  SiteApprovalRecord,
  SiteMigration,
  ScheduleEntry,
  SurvivalPoint,
  Trial,
  TrialSignature,
  VeinToVein,
  Visit,
  VisitStatus,
  Worklist,
  WorklistDltWindow,
  WorklistPatient,
  WorklistTrial,
  WorklistVisit,
} from '#contract';

/** The signed-in user, as the worklist names it. */
export type User = WorklistUser;

/** The body of `POST /patients/{id}/events`. */
export type EventBody = z.input<typeof postEventSchema>;

/** The body of `POST /patients`. */
export type RegisterPatientBody = z.input<typeof registerPatientSchema>;

/** A user as an admin lists them (`GET /users`): role, sites, token expiry, revocation; never the token. */
export type UserAccount = z.output<typeof userSchema>;
/** The body of `POST /users`. */
export type CreateUserBody = z.input<typeof createUserSchema>;
/** `POST /users`: the user and its token, in this answer only. */
export type CreatedUser = z.output<typeof createdUserSchema>;
/** `POST /users/:id/token`: the new token, in this answer only. */
export type RotatedToken = z.output<typeof rotatedTokenSchema>;
