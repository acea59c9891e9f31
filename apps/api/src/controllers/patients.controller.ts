import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  adverseEventSchema,
  bagParam,
  labelQuery,
  idempotencyKeyHeader,
  ifMatchHeader,
  listEventsQuery,
  listPatientsQuery,
  observationSchema,
  postEventSchema,
  registerPatientSchema,
  type ClinicalReportBody,
  type PostEventBody,
  type RegisterPatientBody,
  eventAnswerSchema,
  minimalEventAnswerSchema,
  preferHeader,
  logEntrySchema,
  patientPageSchema,
  patientSchema,
  scheduleSchema,
} from '#contract';
import {
  AccessLog,
  type Actor,
  type Bag,
  BagLabelService,
  type BedsideWitness,
  type Caller,
  canSeeSite,
  ExportService,
  ForbiddenError,
  PatientService,
  SignatureService,
  WorkflowEngine,
} from '#domain';
import type { z } from 'zod';
import { CurrentActor, CurrentCaller, Roles } from '../http/auth';
import { assertMayPost } from '../http/event-permissions';
import { ZodPipe } from '../http/zod-pipe';
import { uuidParam } from '../http/uuid-param';

/** A patient id that is not even a UUID names no patient: 404, like any unknown one. */
export const patientId = uuidParam('Patient');

@Controller('patients')
export class PatientsController {
  constructor(
    private readonly engine: WorkflowEngine,
    private readonly patients: PatientService,
    private readonly exports: ExportService,
    private readonly signatures: SignatureService,
    private readonly access: AccessLog,
    private readonly labels: BagLabelService,
  ) {}

  /** Registers a patient on a protocol version (the newest unless named) at one of the caller's sites. */
  @Post()
  @Roles('coordinator', 'investigator')
  async register(@Body(new ZodPipe(registerPatientSchema)) body: RegisterPatientBody, @CurrentActor() actor: Actor): Promise<z.output<typeof patientSchema>> {
    if (!canSeeSite(actor, body.siteId)) throw new ForbiddenError(`You are not assigned to site ${body.siteId}.`);
    const { subjectId, siteId, protocolId, protocolVersion, cohort, ...patient } = body;
    const registered = await this.engine.register({ protocolId, protocolVersion, cohort, subjectId, siteId, patient }, actor);
    return registered.patient;
  }

  /** Reads below are in the access audit: one record per patient the answer holds. */
  @Get()
  async list(
    @Query(new ZodPipe(listPatientsQuery, 'query')) query: ReturnType<typeof listPatientsQuery.parse>,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof patientPageSchema>> {
    const page = await this.patients.list(query, caller.actor);
    await this.access.record(
      caller,
      'patients.list',
      page.items.map((patient) => ({ patientId: patient.id })),
    );
    return page;
  }

  @Get(':id')
  async get(@Param('id', patientId) id: string, @CurrentCaller() caller: Caller): Promise<z.output<typeof patientSchema>> {
    const patient = await this.patients.get(id, caller.actor);
    await this.access.record(caller, 'patient.read', [{ patientId: id }]);
    return patient;
  }

  /** Applies one event: 200 with the patient after it, the event's `seq` and what the protocol computed. */
  @Post(':id/events')
  @HttpCode(200)
  postEvent(
    @Param('id', patientId) id: string,
    @Body(new ZodPipe(postEventSchema)) body: PostEventBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    return this.apply(id, body, headers, caller, response);
  }

  /** A lab or device result, recorded as `LAB_RESULT_RECORDED`. */
  @Post(':id/observations')
  @HttpCode(200)
  postObservation(
    @Param('id', patientId) id: string,
    @Body(new ZodPipe(observationSchema)) body: ClinicalReportBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    const { occurredAt, reason, ...data } = body;
    return this.apply(id, { type: 'LAB_RESULT_RECORDED', occurredAt, reason, data }, headers, caller, response);
  }

  /** An adverse event, recorded as `ADVERSE_EVENT_REPORTED`; the answer carries its grade and whether it is a DLT. */
  @Post(':id/adverse-events')
  @HttpCode(200)
  postAdverseEvent(
    @Param('id', patientId) id: string,
    @Body(new ZodPipe(adverseEventSchema)) body: ClinicalReportBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    const { occurredAt, reason, ...data } = body;
    return this.apply(id, { type: 'ADVERSE_EVENT_REPORTED', occurredAt, reason, data }, headers, caller, response);
  }

  /** Posting an event is not in the access audit (the log entry names its actor); a failed signature is. */
  private async apply(
    id: string,
    body: PostEventBody,
    headers: Record<string, string | undefined>,
    caller: Caller,
    response: FastifyReply,
  ): Promise<z.output<typeof eventAnswerSchema> | z.output<typeof minimalEventAnswerSchema>> {
    const { actor } = caller;
    assertMayPost(actor, body.type, body.data);
    const { signature: given, witness: witnessing, ...event } = body;
    const idempotencyKey = new ZodPipe(idempotencyKeyHeader, 'Idempotency-Key header').transform(headers['idempotency-key']);
    const expectedVersion = new ZodPipe(ifMatchHeader, 'If-Match header').transform(headers['if-match']);
    const command = { ...event, idempotencyKey, expectedVersion, origin: caller.origin };
    const signed = (witness?: BedsideWitness) =>
      given
        ? this.signatures.signing(caller, given, id, (signature) => this.engine.apply(id, { ...command, signature, witness }, actor))
        : this.engine.apply(id, { ...command, witness }, actor);
    const applied = witnessing ? await this.signatures.witnessing(caller, witnessing, id, signed) : await signed();
    if (applied.replayed) response.header('Idempotent-Replayed', 'true');
    response.header('ETag', `"${applied.patient.version}"`);
    const { replayed: _replayed, ...answer } = applied;
    if (!new ZodPipe(preferHeader, 'Prefer header').transform(headers.prefer).returnMinimal) return answer;
    // Prefer: return=minimal (RFC 7240): what the next request needs, not the whole patient.
    response.header('Preference-Applied', 'return=minimal');
    const { id: patientId, version, state, status } = answer.patient;
    return { patient: { id: patientId, version, state, status }, seq: answer.seq, ...(answer.result === undefined ? {} : { result: answer.result }) };
  }

  /** The patient's event log in recording order, with its hash chain. */
  @Get(':id/events')
  async events(
    @Param('id', patientId) id: string,
    @Query(new ZodPipe(listEventsQuery, 'query')) query: ReturnType<typeof listEventsQuery.parse>,
    @CurrentCaller() caller: Caller,
  ): Promise<Array<z.output<typeof logEntrySchema>>> {
    const events = await this.patients.events(id, caller.actor, query);
    await this.access.record(caller, 'patient.events.read', [{ patientId: id, details: { afterSeq: query.afterSeq, entries: events.length } }]);
    return events;
  }

  /** A FHIR R4 Bundle: ResearchStudy, ResearchSubject, a pseudonymous Patient, AdverseEvents, Observations. */
  @Get(':id/fhir')
  async fhir(@Param('id', patientId) id: string, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) response: FastifyReply) {
    const bundle = await this.exports.fhir(id, caller.actor);
    await this.access.record(caller, 'export.fhir', [{ patientId: id }]);
    response.header('Content-Type', 'application/fhir+json; charset=utf-8');
    return bundle;
  }

  /**
   * The label of the patient's apheresis or product bag: its chain-of-identity identifier as a
   * DataMatrix and a Code 128 (SVG, or `?format=png`), in the access audit like every read of a patient.
   */
  @Get(':id/labels/:bag')
  async label(
    @Param('id', patientId) id: string,
    @Param('bag', new ZodPipe(bagParam, 'bag')) bag: Bag,
    @Query(new ZodPipe(labelQuery, 'query')) query: ReturnType<typeof labelQuery.parse>,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    const label = await this.labels.label(id, caller.actor, bag, query.format);
    await this.access.record(caller, 'patient.label.read', [{ patientId: id, details: { bag, format: query.format } }]);
    response.header('Content-Type', label.contentType);
    response.header('Cache-Control', 'no-store');
    return label.body;
  }

  /** Visits anchored at Day 0: target date, window, status. */
  @Get(':id/schedule')
  async schedule(@Param('id', patientId) id: string, @CurrentCaller() caller: Caller): Promise<z.output<typeof scheduleSchema>> {
    const schedule = await this.patients.schedule(id, caller.actor);
    await this.access.record(caller, 'patient.schedule.read', [{ patientId: id }]);
    return schedule;
  }
}
