import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { OutcomesService, TrialService } from '#domain';
import { ZodPipe } from '../http/zod-pipe';
import { protocolQuery } from '../http/schemas';

const outcomesQuery = protocolQuery.extend({ asOf: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional() });

@ApiTags('trials')
@ApiBearerAuth()
@Controller('trials')
export class TrialsController {
  constructor(
    private readonly trials: TrialService,
    private readonly outcomes: OutcomesService,
  ) {}

  /** Enrollment against the target, the dose level now, per-level counts, escalation decisions with reasons, the MTD. */
  @Get(':protocolId')
  get(@Param('protocolId') protocolId: string, @Query(new ZodPipe(protocolQuery, 'query')) query: { version?: number }) {
    return this.trials.get(protocolId, query.version);
  }

  /**
   * ORR, MRD-negative ORR, DCR, best responses; Kaplan–Meier OS, PFS, EFS and DOR (days from infusion,
   * censored at the last contact, Greenwood log-log 95 % CI); AEs by term and worst grade; CRS and
   * ICANS by grade; CAR-T kinetics and cytokine peaks — for the trial and per cohort, as of `asOf`.
   */
  @Get(':protocolId/outcomes')
  getOutcomes(@Param('protocolId') protocolId: string, @Query(new ZodPipe(outcomesQuery, 'query')) query: z.infer<typeof outcomesQuery>) {
    return this.outcomes.outcomes(protocolId, query);
  }
}
