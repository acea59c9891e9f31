import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Actor, ExportService, OutcomesService, TrialService } from '#domain';
import { CurrentActor, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';
import { protocolQuery } from '../http/schemas';

const exportQuery = protocolQuery.extend({
  format: z.literal('sdtm', { error: 'format must be sdtm' }),
  domain: z.enum(['DM', 'EX', 'AE', 'SUPPAE', 'RS', 'LB']).optional(),
});

const outcomesQuery = protocolQuery.extend({ asOf: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional() });

@ApiTags('trials')
@ApiBearerAuth()
@Controller('trials')
export class TrialsController {
  constructor(
    private readonly trials: TrialService,
    private readonly outcomes: OutcomesService,
    private readonly exports: ExportService,
  ) {}

  /** Enrollment against the target, the dose level now, per-level counts, escalation decisions with reasons, the MTD. */
  @Get(':protocolId')
  get(@Param('protocolId') protocolId: string, @Query(new ZodPipe(protocolQuery, 'query')) query: { version?: number }) {
    return this.trials.get(protocolId, query.version);
  }

  /** CDISC SDTM domains (DM, EX, AE with SUPPAE, RS, LB) as CSV, of the patients of the caller's sites: one `domain=`, or all in a zip. */
  @Get(':protocolId/export')
  @Roles('monitor')
  async export(
    @Param('protocolId') protocolId: string,
    @Query(new ZodPipe(exportQuery, 'query')) query: z.infer<typeof exportQuery>,
    @CurrentActor() actor: Actor,
    @Res() response: FastifyReply,
  ) {
    const file = await this.exports.sdtm(protocolId, query, actor);
    // Stored entries left out of the tables: listed in the zip's data-issues.csv.
    response.header('X-Data-Issues', String(file.dataIssues));
    response.header('Content-Type', file.contentType).header('Content-Disposition', `attachment; filename="${file.fileName}"`).send(file.body);
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
  ) {
    return this.outcomes.outcomes(protocolId, query, actor);
  }
}
