import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import {
  amendmentsSchema,
  exportQuery,
  ordinal,
  outcomesQuery,
  signedActSchema,
  type SignedActBody,
  outcomesSchema,
  siteApprovalBodySchema,
  type SiteApprovalBody,
  siteApprovalSchema,
  siteIdParam,
  trialQuery,
  trialSchema,
} from '#contract';
import { type Actor, type Caller, ExportService, OutcomesService, SignatureService, SiteApprovalService, TrialService } from '#domain';
import { CurrentActor, CurrentCaller, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';

@Controller('trials')
export class TrialsController {
  constructor(
    private readonly trials: TrialService,
    private readonly outcomes: OutcomesService,
    private readonly exports: ExportService,
    private readonly signatures: SignatureService,
    private readonly siteApprovals: SiteApprovalService,
  ) {}

  /**
   * Enrollment against the target, the dose level now, per-level counts, escalation decisions (and
   * their revisions) with reasons, holds, data locks, the MTD. Another site's patients are counted, never named.
   */
  @Get(':protocolId')
  get(
    @Param('protocolId') protocolId: string,
    @Query(new ZodPipe(trialQuery, 'query')) _query: z.infer<typeof trialQuery>,
    @CurrentActor() actor: Actor,
  ): Promise<z.output<typeof trialSchema>> {
    return this.trials.get(protocolId, actor);
  }

  /** Locks the DLT data of a dose level (an electronic signature): adjudications there are refused, late DLTs no longer change the escalation. */
  @Post(':protocolId/levels/:level/data-lock')
  @Roles('investigator')
  @HttpCode(200)
  async lockLevel(
    @Param('protocolId') protocolId: string,
    @Param('level', new ZodPipe(ordinal('level'), 'level')) level: number,
    @Query(new ZodPipe(trialQuery, 'query')) _query: z.infer<typeof trialQuery>,
    @Body(new ZodPipe(signedActSchema)) body: SignedActBody,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof trialSchema>> {
    return this.signatures.signing(caller, body.signature, null, async (check) => this.trials.lockLevel(protocolId, level, caller, await check.authenticate()));
  }

  /** Releases the enrollment hold a revised escalation decision put (an electronic signature). */
  @Post(':protocolId/holds/:holdId/release')
  @Roles('investigator')
  @HttpCode(200)
  async releaseHold(
    @Param('protocolId') protocolId: string,
    @Param('holdId', new ZodPipe(ordinal('hold id'), 'holdId')) holdId: number,
    @Query(new ZodPipe(trialQuery, 'query')) _query: z.infer<typeof trialQuery>,
    @Body(new ZodPipe(signedActSchema)) body: SignedActBody,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof trialSchema>> {
    return this.signatures.signing(caller, body.signature, null, async (check) => this.trials.releaseHold(protocolId, holdId, caller, await check.authenticate()));
  }

  /**
   * CDISC SDTM domains (DM, EX, AE with SUPPAE, RS, LB, DV) as CSV, of the patients of the caller's
   * sites: one `domain=`, or all in a zip. Streamed as it is made (ADR 0022); how many stored entries
   * were left out is known at the end, so it comes as the trailer `X-Data-Issues` (and, in the zip,
   * as the rows of data-issues.csv).
   */
  @Get(':protocolId/export')
  @Roles('monitor')
  export(
    @Param('protocolId') protocolId: string,
    @Query(new ZodPipe(exportQuery, 'query')) query: z.infer<typeof exportQuery>,
    @CurrentCaller() caller: Caller,
    @Res() response: FastifyReply,
  ): void {
    const file = this.exports.sdtm(protocolId, query, caller);
    response.header('Content-Type', file.contentType).header('Content-Disposition', `attachment; filename="${file.fileName}"`);
    response.trailer('X-Data-Issues', async () => String(file.summary.dataIssues));
    void response.send(file.body);
  }

  /**
   * ORR, MRD-negative ORR, DCR, best responses; Kaplan–Meier OS, PFS, EFS and DOR (days from infusion,
   * censored at the last contact, Greenwood log-log 95 % CI); AEs by term and worst grade; CRS and
   * ICANS by grade; CAR-T kinetics and cytokine peaks — for the trial and per cohort, as of `asOf`.
   */
  @Get(':protocolId/outcomes')
  getOutcomes(
    @Param('protocolId') protocolId: string,
    @Query(new ZodPipe(outcomesQuery, 'query')) query: z.infer<typeof outcomesQuery>,
    @CurrentActor() actor: Actor,
  ): Promise<z.output<typeof outcomesSchema>> {
    return this.outcomes.outcomes(protocolId, query, actor);
  }

  /**
   * Each amendment with each site's IRB/ethics approval; a non-admin sees its own sites' only. Not in
   * the access audit, like the trial read: it names sites and committees, no patient.
   */
  @Get(':protocolId/amendments')
  @Roles('coordinator', 'investigator', 'monitor')
  async amendments(@Param('protocolId') protocolId: string, @CurrentActor() actor: Actor): Promise<z.output<typeof amendmentsSchema>> {
    return { protocolId, amendments: await this.siteApprovals.amendmentsOf(protocolId, actor) };
  }

  /** Records (201), repeats (200, replayed) or corrects (200) a site's approval of an amendment; each write is in the access audit. */
  @Put(':protocolId/amendments/:version/sites/:siteId')
  @Roles('admin')
  async recordApproval(
    @Param('protocolId') protocolId: string,
    @Param('version', new ZodPipe(ordinal('version'), 'version')) version: number,
    @Param('siteId', new ZodPipe(siteIdParam, 'siteId')) siteId: string,
    @Body(new ZodPipe(siteApprovalBodySchema)) body: SiteApprovalBody,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<z.output<typeof siteApprovalSchema>> {
    const { approval, outcome } = await this.siteApprovals.record(protocolId, version, siteId, body, caller);
    response.status(outcome === 'recorded' ? 201 : 200);
    if (outcome === 'unchanged') response.header('Idempotent-Replayed', 'true');
    return approval;
  }
}
