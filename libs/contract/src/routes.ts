import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import * as answer from './answers';
import * as ask from './requests';

/**
 * Every route of the HTTP API: its path and query parameters, body, answers per status (errors
 * included), summary, operation id, tag and who may call it. The OpenAPI document is generated from
 * this registry (openapi.ts); the controllers validate with the same request schemas.
 */
export const registry = new OpenAPIRegistry();

export const BEARER = 'bearerToken';
registry.registerComponent('securitySchemes', BEARER, {
  type: 'http',
  scheme: 'bearer',
  description:
    'An opaque token, `ct_` and 32 base64url characters, handed over when a user is created or its token rotated (POST /users, POST /users/{id}/token). Not a JWT: the server keeps its hash and looks it up.',
});

const ERRORS = {
  400: 'The request is not valid: `invalid_input`, with `issues` naming each wrong field.',
  401: 'No bearer token, or one that is unknown, expired or revoked: `unauthenticated`.',
  403: "The caller's role or sites do not allow this: `forbidden` (`signing_locked` after wrong signing passwords).",
  404: 'No such resource, or one at a site the caller cannot see: `not_found`.',
  409: 'The state does not allow it: `event_not_accepted` (with `state` and `acceptedEvents`), `version_conflict` (with `currentVersion`), `already_exists`, `slot_full` (a manufacturing week with no free slot) or `query_state` (a data query whose status does not allow the step, with `status`).',
  413: 'The request body is larger than the limit: `body_too_large`.',
  415: 'The request body is not JSON: `unsupported_media_type`.',
  422: 'A rule refused it: `refused`, with one sentence per unmet rule in `reasons` (`idempotency_key_reused` for a key sent with another body).',
  429: 'Too many requests from this caller or address: `too_many_requests`.',
  500: 'Something went wrong on the server: `internal`. Retrying with the same Idempotency-Key cannot record an event twice.',
} as const;
type ErrorStatus = keyof typeof ERRORS;

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const errorAnswers = (statuses: readonly ErrorStatus[]) => Object.fromEntries(statuses.map((s) => [s, json(answer.errorBodySchema, ERRORS[s])]));

/** A uuid in a path: anything else is a 404, like an unknown id. */
const pathId = (name: string, description: string) => z.object({ [name]: z.string().describe(description) });
const patientPath = pathId('id', 'the patient id (a UUID)');
const protocolPath = pathId('protocolId', 'the protocol id, e.g. cd19-rr-all');

interface Route {
  method: RouteConfig['method'];
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** Who may call it: public (no token), any signed-in user, or these roles (an admin always may). */
  roles: 'public' | 'any' | readonly string[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** The success answers, by status. */
  ok: RouteConfig['responses'];
  /** The error answers this route gives beyond 401, 429 and 500. */
  errors?: readonly ErrorStatus[];
}

function route(r: Route): void {
  const errors = new Set<ErrorStatus>(r.errors ?? []);
  if (r.query || r.body || r.headers) errors.add(400);
  if (r.body) errors.add(413).add(415);
  if (r.roles !== 'public') errors.add(401);
  if (Array.isArray(r.roles)) errors.add(403);
  if (r.tag !== 'health') errors.add(429);
  errors.add(500);
  const who = r.roles === 'public' ? 'No token needed.' : r.roles === 'any' ? 'Any signed-in user.' : `Roles: ${[...r.roles, 'admin'].join(', ')}.`;
  registry.registerPath({
    method: r.method,
    path: r.path,
    operationId: r.operationId,
    tags: [r.tag],
    summary: r.summary,
    description: [r.description, who].filter(Boolean).join('\n\n'),
    security: r.roles === 'public' ? [] : [{ [BEARER]: [] }],
    request: {
      ...(r.params ? { params: r.params } : {}),
      ...(r.query ? { query: r.query } : {}),
      ...(r.headers ? { headers: r.headers } : {}),
      ...(r.body ? { body: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
    },
    responses: { ...r.ok, ...errorAnswers([...errors].sort()) },
  });
}

const noContent = { 204: { description: 'Done; no body.' } };
const ndjson = (description: string) => ({
  200: { description, content: { 'application/x-ndjson': { schema: z.string().describe('one JSON object per line') } } },
});

// ------------------------------------------------------------------ health
route({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  tag: 'health',
  roles: 'public',
  summary: 'Liveness and readiness',
  description: 'Outside the rate limits, so a load balancer probe is never refused.',
  ok: { 200: json(answer.healthSchema, 'The database and Redis answer.'), 503: json(answer.healthSchema, 'The database or Redis does not answer.') },
});

// ------------------------------------------------------------------ worklist
route({
  method: 'get',
  path: '/worklist',
  operationId: 'getWorklist',
  tag: 'worklist',
  roles: 'any',
  summary: "The caller's day",
  description: "Patients by trial and state, visits due today and overdue, open DLT windows, unread notices: only the caller's sites. In the access audit.",
  ok: { 200: json(answer.worklistSchema, 'The worklist.') },
});

// ------------------------------------------------------------------ patients
const eventHeaders = z.object({
  'Idempotency-Key': ask.idempotencyKeyHeader.describe('same key and body: the first answer again, nothing new written'),
  'If-Match': z.string().optional().describe('the patient version the caller last saw (`7`, `"7"` or `W/"7"`); a stale one is a 409'),
  Prefer: z.string().optional().describe('`return=minimal` (RFC 7240): the small answer, the patient cut to id, version, state and status'),
});
const eventAnswered = {
  200: {
    ...json(
      z.union([answer.eventAnswerSchema, answer.minimalEventAnswerSchema]),
      'Applied: the patient after the event, its `seq` and what the protocol computed; with `Prefer: return=minimal`, the patient cut to id, version, state and status.',
    ),
    headers: z.object({
      ETag: z.string().describe('the patient version after the event, quoted'),
      'Idempotent-Replayed': z.string().optional().describe('`true` when this is the answer of an earlier request with the same key'),
      'Preference-Applied': z.string().optional().describe('`return=minimal` when the small answer was given'),
    }),
  },
};
const eventErrors = [403, 404, 409, 422] as const;

route({
  method: 'post',
  path: '/patients',
  operationId: 'registerPatient',
  tag: 'patients',
  roles: ['coordinator', 'investigator'],
  summary: 'Register a patient',
  description: "On a protocol version (the newest unless named) at one of the caller's sites.",
  body: ask.registerPatientSchema,
  ok: { 201: json(answer.patientSchema, 'Registered.') },
  errors: [404, 409, 422],
});
route({
  method: 'get',
  path: '/patients',
  operationId: 'listPatients',
  tag: 'patients',
  roles: 'any',
  summary: "List the caller's patients",
  description: 'In the access audit: one record per patient listed.',
  query: ask.listPatientsQuery,
  ok: { 200: json(answer.patientPageSchema, 'A page of patients.') },
});
route({
  method: 'get',
  path: '/patients/{id}',
  operationId: 'getPatient',
  tag: 'patients',
  roles: 'any',
  params: patientPath,
  summary: 'Read a patient',
  description: 'Its state, what it accepts next, its record. In the access audit.',
  ok: { 200: json(answer.patientSchema, 'The patient.') },
  errors: [404],
});
route({
  method: 'post',
  path: '/patients/{id}/events',
  operationId: 'postEvent',
  tag: 'patients',
  roles: 'any',
  params: patientPath,
  summary: 'Record an event',
  description: 'Who may post which event depends on the role; some events need an electronic signature.',
  headers: eventHeaders,
  body: ask.postEventSchema,
  ok: eventAnswered,
  errors: eventErrors,
});
route({
  method: 'post',
  path: '/patients/{id}/observations',
  operationId: 'postObservation',
  tag: 'patients',
  roles: 'any',
  params: patientPath,
  summary: 'Record a lab or device result',
  description: 'Recorded as `LAB_RESULT_RECORDED`.',
  headers: eventHeaders,
  body: ask.observationSchema,
  ok: eventAnswered,
  errors: eventErrors,
});
route({
  method: 'post',
  path: '/patients/{id}/adverse-events',
  operationId: 'postAdverseEvent',
  tag: 'patients',
  roles: 'any',
  params: patientPath,
  summary: 'Report an adverse event',
  description: 'Recorded as `ADVERSE_EVENT_REPORTED`; the answer carries its grade and whether it is a DLT.',
  headers: eventHeaders,
  body: ask.adverseEventSchema,
  ok: eventAnswered,
  errors: eventErrors,
});
route({
  method: 'get',
  path: '/patients/{id}/events',
  operationId: 'listPatientEvents',
  tag: 'patients',
  roles: 'any',
  params: patientPath,
  summary: "Read a patient's event log",
  description: 'In recording order, with its hash chain. In the access audit.',
  query: ask.listEventsQuery,
  ok: { 200: json(z.array(answer.logEntrySchema), 'The log entries after `afterSeq`.') },
  errors: [404],
});
route({
  method: 'get',
  path: '/patients/{id}/fhir',
  operationId: 'exportPatientFhir',
  tag: 'patients',
  roles: 'any',
  params: patientPath,
  summary: 'Export a patient as FHIR R4',
  description: 'A Bundle: ResearchStudy, ResearchSubject, a pseudonymous Patient, AdverseEvents, Observations. In the access audit.',
  ok: {
    200: {
      description: 'A FHIR R4 Bundle.',
      content: { 'application/fhir+json': { schema: z.looseObject({ resourceType: z.literal('Bundle'), type: z.string(), entry: z.array(z.record(z.string(), z.unknown())) }) } },
    },
  },
  errors: [404],
});
route({
  method: 'get',
  path: '/patients/{id}/labels/{bag}',
  operationId: 'getPatientBagLabel',
  tag: 'patients',
  roles: 'any',
  params: patientPath.extend({ bag: ask.bagParam.describe('apheresis or product') }),
  query: ask.labelQuery,
  summary: "Render the label of a patient's apheresis or product bag",
  description:
    'The chain-of-identity identifier as a DataMatrix and a Code 128, in eye-readable groups, with the subject and the issuing FIN. SVG, or PNG (`format=png`, the Code 128 with its text). 422 before enrollment. In the access audit.',
  ok: {
    200: {
      description: 'The label.',
      content: { 'image/svg+xml': { schema: z.string() }, 'image/png': { schema: z.string().describe('binary') } },
    },
  },
  errors: [400, 404, 422],
});
route({
  method: 'get',
  path: '/patients/{id}/schedule',
  operationId: 'getPatientSchedule',
  tag: 'patients',
  roles: 'any',
  params: patientPath,
  summary: "Read a patient's visit schedule",
  description: 'Visits anchored at Day 0: target date, window, status. In the access audit.',
  ok: { 200: json(answer.scheduleSchema, 'The schedule.') },
  errors: [404],
});

// ------------------------------------------------------------------ protocols
const protocolIdPath = pathId('id', 'the protocol id, e.g. cd19-rr-all');
route({
  method: 'get',
  path: '/protocols',
  operationId: 'listProtocols',
  tag: 'protocols',
  roles: 'any',
  summary: 'List the protocols',
  description: 'The newest version of each.',
  ok: { 200: json(z.array(answer.protocolSummarySchema), 'The protocols.') },
});
route({
  method: 'get',
  path: '/protocols/{id}',
  operationId: 'getProtocol',
  tag: 'protocols',
  roles: 'any',
  params: protocolIdPath,
  summary: 'Read a protocol definition',
  description: "The whole definition of a version (the newest unless `version`), with its states and the JSON Schema of each event's data.",
  query: ask.protocolQuery,
  ok: { 200: json(answer.protocolDefinitionSchema, 'The protocol definition.') },
  errors: [404],
});
route({
  method: 'get',
  path: '/protocols/{id}/diagram',
  operationId: 'getProtocolDiagram',
  tag: 'protocols',
  roles: 'any',
  params: protocolIdPath,
  summary: 'Draw a protocol state machine',
  description: 'Mermaid text, generated from the machine itself; `format=svg` is refused.',
  query: ask.diagramQuery,
  ok: { 200: { description: 'Mermaid state diagram text.', content: { 'text/plain': { schema: z.string() } } } },
  errors: [404],
});

// ------------------------------------------------------------------ trials
const signedAct = { body: ask.signedActSchema, ok: { 200: json(answer.trialSchema, 'Signed: the trial after it.') }, errors: [403, 404, 409, 422] as const };
const amendmentPath = protocolPath.extend({ version: z.string().describe("the amendment's protocol version, a whole number") });
route({
  method: 'get',
  path: '/trials/{protocolId}/amendments/{version}/preview',
  operationId: 'previewMigration',
  tag: 'amendments',
  roles: ['investigator', 'coordinator', 'monitor'],
  params: amendmentPath,
  query: ask.migrationPreviewQuery,
  summary: 'Dry run of an amendment over the patients already on study',
  description:
    "Each patient of the caller's sites (or one site) on an earlier version: its state, the state it would map to, the visits and timers added, moved or cancelled, and why it cannot be moved (an unmapped state, no site approval yet). Nothing is written; in the access audit.",
  ok: { 200: json(answer.migrationPreviewSchema, 'The dry run.') },
  errors: [400, 403, 404, 422],
});
route({
  method: 'post',
  path: '/trials/{protocolId}/amendments/{version}/migrations',
  operationId: 'migrateSite',
  tag: 'amendments',
  roles: ['investigator'],
  params: amendmentPath,
  summary: "Move a site's patients to an amendment",
  description:
    'Every patient of the site on an earlier version that the amendment can move, one signed log entry each under one electronic signature; a patient refused does not stop the others.',
  body: ask.migrateSiteSchema,
  ok: { 200: json(answer.siteMigrationSchema, 'What happened to each patient.') },
  errors: [400, 403, 404, 422],
});
route({
  method: 'post',
  path: '/patients/{id}/migrations',
  operationId: 'migratePatient',
  tag: 'amendments',
  roles: ['investigator'],
  params: patientPath,
  summary: 'Move a patient to an amendment',
  description:
    "An electronic signature. The snapshot moves to the new version's machine, the future timers are re-derived; a repeat answers the first migration and writes nothing. Refused (422) before the site's IRB approval, for a state the amendment does not map, without a signature.",
  body: ask.migratePatientSchema,
  ok: { 200: json(answer.migrationAnswerSchema, 'Moved, or the earlier migration.') },
  errors: [400, 403, 404, 409, 422],
});
route({
  method: 'post',
  path: '/patients/{id}/rollover',
  operationId: 'rollOverPatient',
  tag: 'amendments',
  roles: ['coordinator', 'investigator'],
  params: patientPath,
  summary: 'Roll a patient over into long-term follow-up',
  description: "A new patient on the follow-up protocol (car-t-ltfu) keeping the parent's Day 0; a ROLLED_OVER entry in the parent's log. A repeat answers the first rollover.",
  body: ask.rolloverSchema,
  ok: { 200: json(answer.rolloverAnswerSchema, 'Rolled over, or the earlier rollover.') },
  errors: [400, 403, 404, 409, 422],
});
route({
  method: 'get',
  path: '/trials/{protocolId}',
  operationId: 'getTrial',
  tag: 'trials',
  roles: 'any',
  params: protocolPath,
  query: ask.trialQuery,
  summary: 'Read a trial',
  description:
    "Enrollment against the target, the dose level now, per-level counts, escalation decisions (and their revisions) with reasons, holds, data locks, the MTD. One trial across the protocol's versions: the patients of every version count, under the newest version's rules; `versions` lists the versions with patients. Another site's patients are counted, never named.",
  ok: { 200: json(answer.trialSchema, 'The trial.') },
  errors: [404],
});
route({
  method: 'post',
  path: '/trials/{protocolId}/levels/{level}/data-lock',
  operationId: 'lockDoseLevel',
  tag: 'trials',
  roles: ['investigator'],
  params: protocolPath.extend({ level: z.string().describe('the dose level, a whole number from 1') }),
  query: ask.trialQuery,
  summary: "Lock a dose level's DLT data",
  description: 'An electronic signature: adjudications there are refused, late DLTs no longer change the escalation.',
  ...signedAct,
});
route({
  method: 'post',
  path: '/trials/{protocolId}/holds/{holdId}/release',
  operationId: 'releaseEnrollmentHold',
  tag: 'trials',
  roles: ['investigator'],
  params: protocolPath.extend({ holdId: z.string().describe('the hold id, a whole number from 1') }),
  query: ask.trialQuery,
  summary: 'Release an enrollment hold',
  description: 'The hold a revised escalation decision put; an electronic signature.',
  ...signedAct,
});
route({
  method: 'get',
  path: '/trials/{protocolId}/export',
  operationId: 'exportTrialSdtm',
  tag: 'trials',
  roles: ['monitor'],
  params: protocolPath,
  query: ask.exportQuery,
  summary: 'Export CDISC SDTM',
  description:
    "DM, EX, AE with SUPPAE, RS, LB, DV (protocol deviations) as CSV, of the patients of the caller's sites on every version of the protocol (`<protocol>-sdtm.zip`), or on one (`version`: `<protocol>-v<version>-sdtm.zip`): one `domain`, or all in a zip. In the access audit.",
  ok: {
    200: {
      description:
        'One domain as CSV, or every domain in a zip (with data-issues.csv), streamed as it is made (chunked). After the body, the HTTP trailer `X-Data-Issues`: how many stored entries were left out of the tables (known only at the end; in the zip, also the rows of data-issues.csv).',
      headers: z.object({ Trailer: z.literal('x-data-issues').describe('the trailer that follows the body: X-Data-Issues, how many stored entries were left out of the tables') }),
      content: { 'text/csv': { schema: z.string() }, 'application/zip': { schema: z.string().describe('binary') } },
    },
  },
  errors: [404],
});
route({
  method: 'get',
  path: '/trials/{protocolId}/outcomes',
  operationId: 'getTrialOutcomes',
  tag: 'trials',
  roles: 'any',
  params: protocolPath,
  query: ask.outcomesQuery,
  summary: 'Read trial outcomes',
  description:
    'ORR, MRD-negative ORR, DCR, best responses; Kaplan–Meier OS, PFS, EFS and DOR; AEs by term and worst grade; CRS and ICANS by grade; CAR-T kinetics and cytokine peaks, for the trial and per cohort, as of `asOf`; the patients of every version of the protocol, or of one (`version`), with `versions` saying how many of each.',
  ok: { 200: json(answer.outcomesSchema, 'The outcomes.') },
  errors: [404],
});
route({
  method: 'get',
  path: '/trials/{protocolId}/amendments',
  operationId: 'listAmendmentApprovals',
  tag: 'trials',
  roles: ['coordinator', 'investigator', 'monitor'],
  params: protocolPath,
  summary: "Read a trial's amendments and their site approvals",
  description:
    "Each amendment (the protocol version it made, its effective date, its summary, whether it needs site approval) with each site's IRB/ethics approval: date, reference, who recorded it and when, its corrections. A non-admin sees its own sites' approvals only.",
  ok: { 200: json(answer.amendmentsSchema, 'The amendments.') },
  errors: [404],
});
route({
  method: 'put',
  path: '/trials/{protocolId}/amendments/{version}/sites/{siteId}',
  operationId: 'recordAmendmentApproval',
  tag: 'trials',
  roles: [],
  params: protocolPath.extend({
    version: z.string().describe('the protocol version the amendment made, a whole number from 1'),
    siteId: z.string().describe('the site id'),
  }),
  body: ask.siteApprovalBodySchema,
  summary: "Record a site's IRB/ethics approval of an amendment",
  description:
    'From the approval date on, new patients at the site register on this version. The same approval again is a no-op answered with the approval (200, `Idempotent-Replayed: true`); another date or reference is a correction, which needs `reason` and is kept beside the approval it corrects. Refused (422) for a version that needs no site approval, an unknown site, a date before the amendment took effect or in the future. In the access audit.',
  ok: {
    201: json(answer.siteApprovalSchema, 'Recorded: the approval.'),
    200: json(answer.siteApprovalSchema, 'Corrected, or recorded before with the same date and reference: the approval as it stands.'),
  },
  errors: [404, 422],
});

// ------------------------------------------------------------------ users
const userPath = pathId('id', 'the user id (a UUID)');
route({
  method: 'get',
  path: '/users/me',
  operationId: 'getCurrentUser',
  tag: 'users',
  roles: 'any',
  summary: 'Read the caller',
  description: 'Role, sites, when its token expires, whether it has a signing password and whether signing is locked.',
  ok: { 200: json(answer.userSchema, 'The caller.') },
});
route({
  method: 'post',
  path: '/users/me/signing-password',
  operationId: 'setSigningPassword',
  tag: 'users',
  roles: 'any',
  summary: "Set or change the caller's signing password",
  description: 'A change needs `currentPassword`. Stored only as a scrypt hash.',
  body: ask.signingPasswordSchema,
  ok: noContent,
  errors: [403, 422],
});
route({
  method: 'post',
  path: '/users/me/token',
  operationId: 'rotateOwnToken',
  tag: 'users',
  roles: 'any',
  summary: "Rotate the caller's token",
  description: 'The old one stops working at once.',
  ok: { 200: json(answer.rotatedTokenSchema, 'The new token, in this answer only.') },
  errors: [404, 422],
});
route({
  method: 'get',
  path: '/users/me/notification-preferences',
  operationId: 'getNotificationPreferences',
  tag: 'users',
  roles: 'any',
  summary: "The caller's email address and email preference",
  ok: { 200: json(answer.reachPreferencesSchema, 'The preferences.') },
});
route({
  method: 'put',
  path: '/users/me/notification-preferences',
  operationId: 'setNotificationPreferences',
  tag: 'users',
  roles: 'any',
  summary: 'Set how notices reach the caller by email',
  description:
    '`immediate` emails each notice within a reconciler period; `daily` one digest at MAIL_DIGEST_HOUR (UTC); `off` none. A preference other than off needs an email address (422).',
  body: ask.reachPreferencesBodySchema,
  ok: { 200: json(answer.reachPreferencesSchema, 'The preferences saved.') },
  errors: [422],
});
route({
  method: 'post',
  path: '/users/me/calendar-feed',
  operationId: 'createCalendarFeed',
  tag: 'users',
  roles: 'any',
  summary: "Create (or replace) the caller's calendar feed",
  description: "The visit windows and DLT window closings of the patients at the caller's sites, as iCalendar; the old feed address stops working.",
  ok: { 201: json(answer.calendarFeedSchema, 'The feed address, in this answer only.') },
});
route({
  method: 'delete',
  path: '/users/me/calendar-feed',
  operationId: 'revokeCalendarFeed',
  tag: 'users',
  roles: 'any',
  summary: "Revoke the caller's calendar feed",
  ok: noContent,
  errors: [404],
});
route({
  method: 'get',
  path: '/calendar/{file}',
  operationId: 'getCalendarFeed',
  tag: 'users',
  roles: 'public',
  summary: 'A calendar feed (iCalendar)',
  description: 'Authenticated by the feed token in the path (revocable, not the bearer token): an unknown, replaced or revoked one is a 404.',
  params: z.object({ file: z.string().describe('the feed token followed by `.ics`') }),
  ok: { 200: { description: 'The feed.', content: { 'text/calendar': { schema: z.string() } } } },
  errors: [404],
});
route({
  method: 'post',
  path: '/users',
  operationId: 'createUser',
  tag: 'users',
  roles: [],
  summary: 'Create a user',
  body: ask.createUserSchema,
  ok: { 201: json(answer.createdUserSchema, 'Created; the token is in this answer only.') },
});
route({
  method: 'get',
  path: '/users',
  operationId: 'listUsers',
  tag: 'users',
  roles: [],
  summary: 'List the users',
  ok: { 200: json(z.array(answer.userSchema), 'Every user, revoked ones included.') },
});
route({
  method: 'delete',
  path: '/users/{id}',
  operationId: 'revokeUser',
  tag: 'users',
  roles: [],
  params: userPath,
  summary: 'Revoke a user',
  description: 'Its token stops working at once.',
  ok: noContent,
  errors: [404, 422],
});
route({
  method: 'post',
  path: '/users/{id}/token',
  operationId: 'rotateUserToken',
  tag: 'users',
  roles: [],
  params: userPath,
  summary: "Rotate a user's token",
  description: 'To hand over in person; the old one stops working at once.',
  ok: { 200: json(answer.rotatedTokenSchema, 'The new token, in this answer only.') },
  errors: [404, 422],
});
route({
  method: 'post',
  path: '/users/{id}/signing-password/reset',
  operationId: 'resetSigningPassword',
  tag: 'users',
  roles: [],
  params: userPath,
  summary: "Remove a user's signing password",
  description: 'A forgotten one, or one that may be known to someone else: the user must set a new one.',
  ok: noContent,
  errors: [404],
});
route({
  method: 'post',
  path: '/users/{id}/signing-password/unlock',
  operationId: 'unlockSigning',
  tag: 'users',
  roles: [],
  params: userPath,
  summary: 'Unlock signing for a user',
  description: 'After wrong signing passwords in a row.',
  ok: noContent,
  errors: [404],
});

// ------------------------------------------------------------------ notifications
const idPath = (what: string) => pathId('id', what);
route({
  method: 'get',
  path: '/notifications',
  operationId: 'listNotifications',
  tag: 'notifications',
  roles: 'any',
  query: ask.inboxQuery,
  summary: "Read the caller's inbox",
  description: 'Visit reminders, missed visits, DLT windows, severe AEs, DLTs of its sites.',
  ok: { 200: json(answer.inboxSchema, 'A page of notifications.') },
});
route({
  method: 'post',
  path: '/notifications/read',
  operationId: 'markNotificationsRead',
  tag: 'notifications',
  roles: 'any',
  body: ask.markAllReadSchema,
  summary: "Mark the caller's unread notifications read",
  description: 'Every unread notice of the caller that matches (`kind`, `patientId`), created at or before `upTo` (the moment the list was read; now when absent).',
  ok: { 200: json(answer.notificationsReadSchema, 'How many were marked, and how many are unread still.') },
});
route({
  method: 'post',
  path: '/notifications/{id}/read',
  operationId: 'markNotificationRead',
  tag: 'notifications',
  roles: 'any',
  params: idPath('the notification id'),
  summary: 'Mark a notification read',
  ok: { 200: json(answer.notificationReadSchema, 'When it was read.') },
  errors: [404],
});
route({
  method: 'post',
  path: '/webhooks',
  operationId: 'createWebhook',
  tag: 'notifications',
  roles: [],
  body: ask.createWebhookSchema,
  summary: 'Register a webhook',
  description: 'The destination must be https at a public address.',
  ok: { 201: json(answer.createdWebhookSchema, 'Registered; its signing secret is in this answer only.') },
  errors: [422],
});
route({
  method: 'get',
  path: '/webhooks',
  operationId: 'listWebhooks',
  tag: 'notifications',
  roles: [],
  summary: 'List the webhooks',
  ok: { 200: json(z.array(answer.webhookSchema), 'Every webhook, without its secret.') },
});
route({
  method: 'delete',
  path: '/webhooks/{id}',
  operationId: 'revokeWebhook',
  tag: 'notifications',
  roles: [],
  params: idPath('the webhook id'),
  summary: 'Revoke a webhook',
  ok: noContent,
  errors: [404],
});
route({
  method: 'get',
  path: '/webhooks/deliveries',
  operationId: 'listWebhookDeliveries',
  tag: 'notifications',
  roles: [],
  query: ask.deliveriesQuery,
  summary: 'List webhook deliveries',
  description: 'By status: `dead` is the dead-letter list.',
  ok: { 200: json(z.array(answer.webhookDeliverySchema), 'Deliveries, newest first.') },
});
route({
  method: 'post',
  path: '/webhooks/deliveries/{id}/resend',
  operationId: 'resendWebhookDelivery',
  tag: 'notifications',
  roles: [],
  params: idPath('the delivery id'),
  summary: 'Resend a webhook delivery',
  description: 'Back to pending with a fresh attempt count.',
  ok: { 200: json(answer.webhookDeliverySchema, 'The delivery, pending again.') },
  errors: [404],
});

// ------------------------------------------------------------------ audit
route({
  method: 'get',
  path: '/audit/verify',
  operationId: 'verifyRecords',
  tag: 'audit',
  roles: ['monitor'],
  query: ask.verifyQuery,
  summary: 'Verify the records',
  description: "Checks the record of one patient (or of all the caller's) against its hash chain and the latest checkpoint.",
  ok: { 200: json(answer.auditAnswerSchema, 'What holds and what does not.') },
  errors: [404],
});
route({
  method: 'get',
  path: '/audit/access',
  operationId: 'listAccessRecords',
  tag: 'audit',
  roles: ['monitor'],
  query: ask.accessQuery,
  summary: 'Read the access audit',
  description:
    'Newest first: who read or exported which patient, who changed users, tokens, webhooks and signing passwords. A monitor sees the records about the patients of its sites.',
  ok: { 200: json(answer.accessPageSchema, 'A page of access records.') },
});
route({
  method: 'post',
  path: '/audit/checkpoints',
  operationId: 'createCheckpoint',
  tag: 'audit',
  roles: [],
  summary: 'Make a checkpoint now',
  description: 'Seals the chain heads that moved since the last checkpoint, as the worker does on a schedule.',
  ok: { 200: json(answer.checkpointOutcomeSchema, 'The checkpoint made, or none when nothing moved.') },
});
route({
  method: 'get',
  path: '/audit/checkpoints',
  operationId: 'exportCheckpoints',
  tag: 'audit',
  roles: [],
  summary: 'Export the checkpoint file',
  ok: ndjson('One JSON line per checkpoint (signed note and leaves).'),
});
route({
  method: 'get',
  path: '/audit/checkpoints/latest',
  operationId: 'getLatestCheckpoint',
  tag: 'audit',
  roles: ['monitor'],
  summary: 'Read the latest checkpoint',
  description: 'Its tree head and signed note: the digest to keep. It names no patient.',
  ok: { 200: json(answer.checkpointSummarySchema, 'The latest checkpoint.') },
  errors: [404],
});
route({
  method: 'get',
  path: '/audit/checkpoints/key',
  operationId: 'getCheckpointKey',
  tag: 'audit',
  roles: 'any',
  summary: 'Read the checkpoint signing key',
  description: 'Its verifier key (C2SP signed-note form) and its PEM.',
  ok: { 200: json(answer.checkpointKeySchema, 'The public key.') },
});
route({
  method: 'get',
  path: '/audit/log',
  operationId: 'exportAuditLog',
  tag: 'audit',
  roles: [],
  summary: 'Export every log entry',
  description: 'What the hash chain seals, for a sponsor to check against the checkpoints.',
  ok: ndjson('One JSON line per log entry.'),
});

// ------------------------------------------------------------------ lab results in (docs/adr/0014-lab-results-in.md)
const labRoles = ['lab', 'coordinator'] as const;
const bodyOf = (mediaTypes: Record<string, z.ZodType>) => ({
  required: true,
  content: Object.fromEntries(Object.entries(mediaTypes).map(([type, schema]) => [type, { schema }])),
});
const hl7Message = z.string().describe('an HL7 v2 message in ER7 (pipe-delimited), segments separated by carriage returns');
const operationOutcome = z
  .looseObject({ resourceType: z.literal('OperationOutcome'), issue: z.array(z.looseObject({ severity: z.string(), code: z.string(), details: z.object({ text: z.string() }) })) })
  .describe('A FHIR R4 OperationOutcome');
registry.registerPath({
  method: 'post',
  path: '/integrations/hl7',
  operationId: 'postHl7Message',
  tags: ['integrations'],
  summary: 'Send an HL7 v2 ORU^R01 message',
  description:
    'Lab results (v2.3–2.5.1), the same as over the MLLP listener: each OBX matched to a patient of the sending facility (MSH-4), its code mapped, its unit converted, and recorded as LAB_RESULT_RECORDED or held in the integration inbox. The message and its outcome are recorded; the answer is its ACK: AA, AE (a result held, MSA-3/ERR say why) or AR (refused whole). 413 above 16 MiB.\n\nRoles: lab, admin.',
  security: [{ [BEARER]: [] }],
  request: { body: bodyOf({ 'x-application/hl7-v2+er7': hl7Message, 'text/plain': hl7Message }) },
  responses: {
    200: { description: 'The ACK, in ER7.', content: { 'x-application/hl7-v2+er7': { schema: hl7Message } } },
    ...errorAnswers([400, 401, 403, 413, 415, 429, 500]),
  },
});
registry.registerPath({
  method: 'post',
  path: '/integrations/fhir',
  operationId: 'postFhirObservations',
  tags: ['integrations'],
  summary: 'Send FHIR R4 Observations',
  description:
    'An Observation or a transaction Bundle of them, LOINC-coded with UCUM units and a subject identifier; the same matching, mapping, idempotency (Observation.identifier, else the entry fullUrl) and record as HL7 v2. The answer is an OperationOutcome: information per recorded result, warning per result held in the inbox.\n\nRoles: lab, admin.',
  security: [{ [BEARER]: [] }],
  request: {
    query: ask.fhirIntakeQuery,
    body: bodyOf({ 'application/fhir+json': z.looseObject({ resourceType: z.string() }), 'application/json': z.looseObject({ resourceType: z.string() }) }),
  },
  responses: {
    200: { description: 'Taken in: each result recorded, a duplicate, or held in the inbox.', content: { 'application/fhir+json': { schema: operationOutcome } } },
    400: { description: 'Refused whole (not an Observation, not readable, no site): recorded.', content: { 'application/fhir+json': { schema: operationOutcome } } },
    403: { description: "Refused whole: a site not the caller's (or a role other than lab).", content: { 'application/fhir+json': { schema: operationOutcome } } },
    ...errorAnswers([401, 413, 415, 429, 500]),
  },
});
route({
  method: 'get',
  path: '/integrations/inbox',
  operationId: 'listLabInbox',
  tag: 'integrations',
  roles: labRoles,
  summary: "The integration inbox of the caller's sites",
  description:
    'Lab results that could not be recorded as sent (no patient, several, an unknown code or unit, out of bounds, refused by the patient record), with the reason. In the access audit.',
  query: ask.labInboxQuery,
  ok: { 200: json(answer.labInboxPageSchema, 'One page of inbox items.') },
});
route({
  method: 'post',
  path: '/integrations/inbox/{id}/resolve',
  operationId: 'resolveLabInboxItem',
  tag: 'integrations',
  roles: labRoles,
  summary: 'Resolve an inbox item',
  description:
    'Apply it (to `patientId`, under `labCode`, each optionally saved for the site: `saveIdentifiers`, `saveMapping`) as LAB_RESULT_RECORDED by the caller, or reject it with a reason. 422 when the result is still not recordable (the item stays open with the new reason) or already settled. In the access audit.',
  params: pathId('id', 'the inbox item id'),
  body: ask.labInboxResolutionSchema,
  ok: { 200: json(answer.labInboxItemSchema, 'The item as settled.') },
  errors: [404, 422],
});
route({
  method: 'get',
  path: '/integrations/messages',
  operationId: 'listLabMessages',
  tag: 'integrations',
  roles: labRoles,
  summary: 'Lab messages received',
  description:
    "The messages of the caller's sites (an admin sees those refused before a site was known too), newest first: channel, size, SHA-256, the acknowledgement sent and each result's outcome. In the access audit.",
  query: ask.labMessagesQuery,
  ok: { 200: json(answer.labMessagePageSchema, 'One page of messages.') },
});
route({
  method: 'get',
  path: '/integrations/code-mappings',
  operationId: 'listLabCodeMappings',
  tag: 'integrations',
  roles: labRoles,
  summary: "The sites' own lab codes mapped to the catalogue",
  ok: { 200: json(answer.labCodeMappingListSchema, "The caller's sites' mappings.") },
});
route({
  method: 'post',
  path: '/integrations/code-mappings',
  operationId: 'saveLabCodeMapping',
  tag: 'integrations',
  roles: [],
  summary: "Map a site's lab code to a catalogue code",
  description:
    "A result sent under the site's code (OBX-3 in its coding system) is then recorded under the catalogue's. Replaces an earlier mapping of the same code. In the access audit.",
  body: ask.labCodeMappingSchema,
  ok: noContent,
  errors: [404, 422],
});

// ------------------------------------------------------------------ manufacturing capacity (docs/adr/0019-manufacturing-capacity.md)
const manufacturingSitePath = pathId('siteId', 'the manufacturing site id, e.g. mfg-east');
const slotReaders = ['coordinator', 'investigator', 'monitor'] as const;
route({
  method: 'get',
  path: '/manufacturing/sites',
  operationId: 'listManufacturingSites',
  tag: 'manufacturing',
  roles: slotReaders,
  summary: 'List the manufacturing sites',
  description: 'Each site with the trials it makes product for, its slots per ISO week, its days from slot to release and its booking horizon.',
  ok: { 200: json(answer.manufacturingSitesSchema, 'The manufacturing sites.') },
});
route({
  method: 'post',
  path: '/manufacturing/sites',
  operationId: 'createManufacturingSite',
  tag: 'manufacturing',
  roles: [],
  summary: 'Create a manufacturing site',
  description: 'A trial has one manufacturing site: a trial another site makes product for is a 409 naming it; an unknown trial a 422. In the access audit.',
  body: ask.createManufacturingSiteSchema,
  ok: { 201: json(answer.manufacturingSiteSchema, 'Created: the site.') },
  errors: [409, 422],
});
route({
  method: 'put',
  path: '/manufacturing/sites/{siteId}',
  operationId: 'updateManufacturingSite',
  tag: 'manufacturing',
  roles: [],
  params: manufacturingSitePath,
  summary: 'Change a manufacturing site',
  description:
    'The whole definition again. More slots or a longer horizon books the head of the queue into the free slots at once; fewer slots keep the bookings already made. In the access audit.',
  body: ask.updateManufacturingSiteSchema,
  ok: { 200: json(answer.manufacturingSiteSchema, 'Changed: the site.') },
  errors: [404, 409, 422],
});
route({
  method: 'get',
  path: '/manufacturing/sites/{siteId}/capacity',
  operationId: 'getManufacturingCapacity',
  tag: 'manufacturing',
  roles: slotReaders,
  params: manufacturingSitePath,
  query: ask.capacityQuery,
  summary: "Read a manufacturing site's weeks and queue",
  description:
    "The weeks from the current one: slots, taken, free, and the patients in each; the queue in order. Another site's patients are counted, not named. In the access audit (one record per patient named).",
  ok: { 200: json(answer.capacitySchema, 'The capacity.') },
  errors: [404],
});
route({
  method: 'get',
  path: '/patients/{id}/manufacturing-slot',
  operationId: 'getManufacturingSlot',
  tag: 'manufacturing',
  roles: slotReaders,
  params: patientPath,
  summary: "Read a patient's manufacturing slot",
  description: 'The week and expected release, or the place in the queue; null when the patient holds none. In the access audit.',
  ok: { 200: json(answer.slotAnswerSchema, 'The slot.') },
  errors: [404],
});
route({
  method: 'put',
  path: '/patients/{id}/manufacturing-slot',
  operationId: 'rebookManufacturingSlot',
  tag: 'manufacturing',
  roles: ['coordinator', 'investigator'],
  params: patientPath,
  summary: 'Book a patient into a chosen week',
  description:
    "Takes the patient out of the queue or moves their slot; the week they held goes to the head of the queue in the same transaction. Refused, nothing written: a week that does not exist, is in the past or beyond the site's horizon (422), a full week (409 `slot_full`), a patient not enrolled, off study or whose manufacturing has started (422). In the access audit.",
  body: ask.rebookSlotSchema,
  ok: { 200: json(answer.slotAnswerSchema, 'Booked: the slot, the one before, and how many left the queue.') },
  errors: [404, 409, 422],
});
route({
  method: 'post',
  path: '/patients/{id}/manufacturing-slot/cancel',
  operationId: 'cancelManufacturingSlot',
  tag: 'manufacturing',
  roles: ['coordinator', 'investigator'],
  params: patientPath,
  summary: "Cancel a patient's manufacturing slot",
  description: 'Frees the slot (or the place in the queue); the head of the queue takes the slot in the same transaction. In the access audit.',
  body: ask.cancelSlotSchema,
  ok: { 200: json(answer.slotAnswerSchema, 'Cancelled: the slot before, and how many left the queue.') },
  errors: [404, 422],
});

// ------------------------------------------------------------------ data queries (README, "Data queries")
const queryPath = pathId('queryId', 'the query id (a UUID)');
const queryReaders = ['coordinator', 'investigator', 'monitor'] as const;
const queryRaisers = ['investigator', 'monitor'] as const;
const queryAnswerers = ['coordinator', 'investigator'] as const;
const afterStep = (what: string) => ({ 200: json(answer.dataQuerySchema, `${what}: the query with its exchange.`) });
route({
  method: 'post',
  path: '/patients/{id}/queries',
  operationId: 'raiseQuery',
  tag: 'queries',
  roles: queryRaisers,
  params: patientPath,
  summary: 'Raise a data query on one log entry or one field of it',
  description:
    "Sends a notice to the site's coordinators and investigators. Refused, nothing written: an entry the log does not have, or a field the entry does not have (422); a query on the same entry and field not closed yet (409 `already_exists`). In the access audit (`query.raise`).",
  body: ask.raiseQuerySchema,
  ok: { 201: json(answer.dataQuerySchema, 'Raised: the query with its question.') },
  errors: [400, 404, 409, 422],
});
route({
  method: 'get',
  path: '/queries',
  operationId: 'listQueries',
  tag: 'queries',
  roles: queryReaders,
  query: ask.queriesQuery,
  summary: "List the data queries of the caller's sites",
  description:
    'Oldest raised first, with their age in days; `sites` gives per site the counts by status, the age of the oldest and the median age of those not closed, and the median days to close. In the access audit (`query.read`, one row per patient named).',
  ok: { 200: json(answer.dataQueriesSchema, 'The queries.') },
  errors: [400],
});
route({
  method: 'get',
  path: '/queries/{queryId}',
  operationId: 'getQuery',
  tag: 'queries',
  roles: queryReaders,
  params: queryPath,
  summary: 'Read one data query with its exchange',
  description: 'In the access audit (`query.read`).',
  ok: { 200: json(answer.dataQuerySchema, 'The query.') },
  errors: [404],
});
route({
  method: 'post',
  path: '/queries/{queryId}/answers',
  operationId: 'answerQuery',
  tag: 'queries',
  roles: queryAnswerers,
  params: queryPath,
  summary: 'Answer a data query: a reply, a correcting entry, or both',
  description:
    'The query becomes `answered`. A correcting entry is posted first (POST /patients/{id}/events with a `reason`) and named here by its `seq`. Refused, nothing written: a closed query (409 `query_state`); a correcting entry that does not exist, comes before the queried one, was recorded before the query, or gives no reason (422). In the access audit (`query.answer`).',
  body: ask.answerQuerySchema,
  ok: afterStep('Answered'),
  errors: [400, 404, 409, 422],
});
route({
  method: 'post',
  path: '/queries/{queryId}/close',
  operationId: 'closeQuery',
  tag: 'queries',
  roles: queryRaisers,
  params: queryPath,
  summary: 'Close a data query',
  description: 'An open or answered query; a closed one is a 409 `query_state`. In the access audit (`query.close`).',
  body: ask.closeQuerySchema,
  ok: afterStep('Closed'),
  errors: [400, 404, 409],
});
route({
  method: 'post',
  path: '/queries/{queryId}/reopen',
  operationId: 'reopenQuery',
  tag: 'queries',
  roles: queryRaisers,
  params: queryPath,
  summary: 'Send an answered or closed data query back to the site, saying why',
  description: 'The answer does not settle it: the query is open again for the site. An open query is a 409 `query_state`. In the access audit (`query.reopen`).',
  body: ask.reopenQuerySchema,
  ok: afterStep('Re-opened'),
  errors: [400, 404, 409],
});

// ------------------------------------------------------------------ protocol deviations (README, "Protocol deviations")
route({
  method: 'get',
  path: '/trials/{protocolId}/deviations',
  operationId: 'listProtocolDeviations',
  tag: 'trials',
  roles: ['coordinator', 'investigator', 'monitor'],
  params: protocolPath,
  query: ask.deviationsQuery,
  summary: "List the trial's protocol deviations at the caller's sites, with each site's window compliance",
  description:
    "Found by the engine in each patient's record and log (a visit done outside its window or missed, a DLT reported after its window closed, a break of the chain of custody) or recorded by the site (`PROTOCOL_DEVIATION_RECORDED`), oldest first; `sites` gives per site the count by severity and the window-compliance rate (visits done in their window over the visits done or missed). `siteId` or `patientId` narrow it; another site's patients are never listed. In the access audit (`deviations.read`, one row per patient named).",
  ok: { 200: json(answer.trialDeviationsSchema, 'The deviations.') },
  errors: [404],
});
