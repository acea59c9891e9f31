import { Controller, Get, Param, Query } from '@nestjs/common';
import type { z } from 'zod';
import { deviationsQuery, trialDeviationsSchema } from '#contract';
import { AccessLog, type Caller, DeviationService } from '#domain';
import { CurrentCaller, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';

/** Protocol deviations (README, "Protocol deviations"): listed per trial, narrowed to a site or a patient; every read is in the access audit. */
@Controller('trials')
export class DeviationsController {
  constructor(
    private readonly deviations: DeviationService,
    private readonly access: AccessLog,
  ) {}

  @Get(':protocolId/deviations')
  @Roles('coordinator', 'investigator', 'monitor')
  async list(
    @Param('protocolId') protocolId: string,
    @Query(new ZodPipe(deviationsQuery, 'query')) query: z.output<typeof deviationsQuery>,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof trialDeviationsSchema>> {
    const answer = await this.deviations.ofTrial(protocolId, query, caller.actor);
    const named = [...new Set(answer.deviations.map((d) => d.patientId))];
    await this.access.record(caller, 'deviations.read', named.length ? named.map((patientId) => ({ patientId, subject: protocolId })) : [{ subject: protocolId }]);
    return answer;
  }
}
