import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { TrialService } from '#domain';
import { ZodPipe } from '../http/zod-pipe';
import { protocolQuery } from '../http/schemas';

@ApiTags('trials')
@ApiBearerAuth()
@Controller('trials')
export class TrialsController {
  constructor(private readonly trials: TrialService) {}

  /** Enrollment against the target, the dose level now, per-level counts, escalation decisions with reasons, the MTD. */
  @Get(':protocolId')
  get(@Param('protocolId') protocolId: string, @Query(new ZodPipe(protocolQuery, 'query')) query: { version?: number }) {
    return this.trials.get(protocolId, query.version);
  }
}
