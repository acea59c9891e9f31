import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  migratePatientSchema,
  type MigratePatientBody,
  migrateSiteSchema,
  type MigrateSiteBody,
  migrationPreviewQuery,
  ordinal,
  rolloverSchema,
  type RolloverBody,
} from '#contract';
import { AccessLog, AmendmentMigrator, RolloverService, SignatureService } from '#domain';
import type { AuthenticatedSignature, Caller } from '#domain';
import { CurrentCaller, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';
import { patientId } from './patients.controller';

/**
 * Amendments that reach the patients already on study (docs/design.md, section "Amendments"): the
 * dry run, the migration of one patient or of a site (electronic signatures of an investigator), and
 * the rollover into long-term follow-up.
 */
@Controller()
export class AmendmentsController {
  constructor(
    private readonly migrator: AmendmentMigrator,
    private readonly rollovers: RolloverService,
    private readonly signatures: SignatureService,
    private readonly access: AccessLog,
  ) {}

  /** What the amendment would do to each patient at the caller's sites (or one of them): nothing is written. In the access audit. */
  @Get('trials/:protocolId/amendments/:version/preview')
  @Roles('investigator', 'coordinator', 'monitor')
  async preview(
    @Param('protocolId') protocolId: string,
    @Param('version', new ZodPipe(ordinal('version'), 'version')) version: number,
    @Query(new ZodPipe(migrationPreviewQuery, 'query')) query: { siteId?: string },
    @CurrentCaller() caller: Caller,
  ) {
    const preview = await this.migrator.preview(protocolId, version, query, caller.actor);
    await this.access.record(
      caller,
      'amendment.preview',
      preview.patients.map((p) => ({ patientId: p.patientId, subject: `${protocolId}@${version}` })),
    );
    return preview;
  }

  /** Moves every patient of a site the amendment can move; one signature, one log entry per patient. */
  @Post('trials/:protocolId/amendments/:version/migrations')
  @Roles('investigator')
  @HttpCode(200)
  async migrateSite(
    @Param('protocolId') protocolId: string,
    @Param('version', new ZodPipe(ordinal('version'), 'version')) version: number,
    @Body(new ZodPipe(migrateSiteSchema)) body: MigrateSiteBody,
    @CurrentCaller() caller: Caller,
  ) {
    const patients = await this.signed(caller, body.signature, null, (authenticate) => this.migrator.migrateSite(protocolId, version, body.siteId, authenticate, caller.actor));
    return { protocol: protocolId, toVersion: version, siteId: body.siteId, patients };
  }

  /** Moves one patient to the amendment's version (an electronic signature); a repeat answers the first migration. */
  @Post('patients/:id/migrations')
  @Roles('investigator')
  @HttpCode(200)
  async migratePatient(@Param('id', patientId) id: string, @Body(new ZodPipe(migratePatientSchema)) body: MigratePatientBody, @CurrentCaller() caller: Caller) {
    return this.signed(caller, body.signature, id, (authenticate) => this.migrator.migrate(id, body.toVersion, authenticate, caller.actor));
  }

  /** Rolls the patient over into a long-term follow-up protocol, keeping Day 0; a repeat answers the first rollover. */
  @Post('patients/:id/rollover')
  @Roles('coordinator', 'investigator')
  @HttpCode(200)
  rollOver(@Param('id', patientId) id: string, @Body(new ZodPipe(rolloverSchema)) body: RolloverBody, @CurrentCaller() caller: Caller) {
    return this.rollovers.rollOver(id, body, caller.actor);
  }

  /** Runs `act` with the signature's password check, or with none when no signature was given (the act refuses that itself). */
  private signed<T>(
    caller: Caller,
    given: MigratePatientBody['signature'],
    patientId: string | null,
    act: (authenticate: (() => Promise<AuthenticatedSignature>) | undefined) => Promise<T>,
  ): Promise<T> {
    if (!given) return act(undefined);
    return this.signatures.signing(caller, given, patientId, (check) => act(() => check.authenticate()));
  }
}
