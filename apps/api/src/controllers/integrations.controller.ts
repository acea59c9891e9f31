import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { OperationOutcome } from '@medplum/fhirtypes';
import {
  labCodeMappingListSchema,
  labCodeMappingSchema,
  labInboxItemSchema,
  labInboxPageSchema,
  labInboxQuery,
  labInboxResolutionSchema,
  labMessagePageSchema,
  labMessagesQuery,
  type LabInboxResolutionBody,
  fhirIntakeQuery,
} from '#contract';
import { AccessLog, type Caller, FhirIntake, Hl7Intake, InvalidInputError, LabIntakeService } from '#domain';
import { CurrentCaller, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';

/** A FHIR JSON body as sent, and what parsing it gave: the value, or why it is not JSON the record can keep. */
export class FhirBody {
  constructor(
    readonly raw: string,
    readonly parsed?: unknown,
    readonly unreadable?: string,
  ) {}
}

/** The media type of HL7 v2 messages in ER7 (pipe-delimited) form over HTTP. */
export const HL7_MEDIA_TYPE = 'x-application/hl7-v2+er7';

/** Lab systems' results in (HL7 v2, FHIR) and the integration inbox where what could not be recorded waits for a person. */
@Controller('integrations')
export class IntegrationsController {
  constructor(
    private readonly hl7: Hl7Intake,
    private readonly fhir: FhirIntake,
    private readonly intake: LabIntakeService,
    private readonly access: AccessLog,
  ) {}

  /** One HL7 v2 ORU^R01 message; the answer is its ACK (AA, AE, AR) in ER7, always with 200 once the message is recorded. */
  @Post('hl7')
  @HttpCode(200)
  @Roles('lab')
  async postHl7(@Body() body: unknown, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    if (!Buffer.isBuffer(body)) throw new InvalidInputError('The request body is not an HL7 v2 message.', [`send it as ${HL7_MEDIA_TYPE} or text/plain`]);
    const { ack, code } = await this.hl7.receive('hl7-http', body, caller.actor);
    response.header('Content-Type', `${HL7_MEDIA_TYPE}; charset=utf-8`);
    response.header('HL7-Acknowledgement-Code', code);
    return ack;
  }

  /**
   * A FHIR R4 Observation or a transaction Bundle of them (application/fhir+json or application/json);
   * the answer is an OperationOutcome. `siteId` names the site when the lab user sends for several.
   */
  @Post('fhir')
  @HttpCode(200)
  @Roles('lab')
  async postFhir(
    @Body() body: unknown,
    @Query(new ZodPipe(fhirIntakeQuery, 'query')) query: z.output<typeof fhirIntakeQuery>,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<OperationOutcome> {
    const fhir = body instanceof FhirBody ? body : new FhirBody(JSON.stringify(body ?? null), body);
    const { status, outcome } = await this.fhir.receive(Buffer.from(fhir.raw, 'utf8'), fhir.parsed, fhir.unreadable, query.siteId, caller.actor);
    response.status(status);
    response.header('Content-Type', 'application/fhir+json; charset=utf-8');
    return outcome;
  }

  /** The inbox of the caller's sites: results that wait for a person, and (by status) those settled. */
  @Get('inbox')
  @Roles('lab', 'coordinator')
  async inbox(@Query(new ZodPipe(labInboxQuery, 'query')) query: z.output<typeof labInboxQuery>, @CurrentCaller() caller: Caller): Promise<z.output<typeof labInboxPageSchema>> {
    const page = await this.intake.inbox(caller.actor, query);
    await this.access.record(
      caller,
      'lab-inbox.read',
      page.items.map((item) => ({ patientId: item.patientId, subject: item.id })),
    );
    return page;
  }

  /** Applies an inbox item to the patient and under the code named, or rejects it with a reason; in the access audit. */
  @Post('inbox/:id/resolve')
  @HttpCode(200)
  @Roles('lab', 'coordinator')
  async resolve(
    @Param('id') id: string,
    @Body(new ZodPipe(labInboxResolutionSchema)) body: LabInboxResolutionBody,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof labInboxItemSchema>> {
    const item = await this.intake.resolve(id, body, caller.actor);
    await this.access.record(caller, body.action === 'reject' ? 'lab-inbox.reject' : 'lab-inbox.resolve', [
      { patientId: item.patientId, subject: item.id, details: { ...body, controlId: item.controlId, seq: item.seq } },
    ]);
    return item;
  }

  /** The messages received for the caller's sites, newest first, with each result's outcome. */
  @Get('messages')
  @Roles('lab', 'coordinator')
  async messages(
    @Query(new ZodPipe(labMessagesQuery, 'query')) query: z.output<typeof labMessagesQuery>,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof labMessagePageSchema>> {
    const page = await this.intake.messages(caller.actor, query);
    await this.access.record(caller, 'lab-messages.read', [{ details: { offset: query.offset, messages: page.items.length } }]);
    return page;
  }

  @Get('code-mappings')
  @Roles('lab', 'coordinator')
  codeMappings(@CurrentCaller() caller: Caller): Promise<z.output<typeof labCodeMappingListSchema>> {
    return this.intake.mappings(caller.actor);
  }

  /** Maps one of a site's own lab codes to a catalogue code (admin). */
  @Post('code-mappings')
  @HttpCode(204)
  @Roles('admin')
  async saveCodeMapping(@Body(new ZodPipe(labCodeMappingSchema)) body: z.output<typeof labCodeMappingSchema>, @CurrentCaller() caller: Caller): Promise<void> {
    await this.intake.saveMapping(body, caller.actor);
    await this.access.record(caller, 'lab-mapping.save', [{ subject: `${body.siteId}:${body.codeSystem}:${body.code}`, details: body }]);
  }
}
