import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Actor, AuditService } from '#domain';
import { CurrentActor, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';

const verifyQuery = z.object({ patientId: z.uuid().optional() }).strict();

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Walks the hash chain of one patient (or all) and names the first broken entry. */
  @Get('verify')
  @Roles('monitor')
  verify(@Query(new ZodPipe(verifyQuery, 'query')) query: z.infer<typeof verifyQuery>, @CurrentActor() actor: Actor) {
    return this.audit.verify(actor, query.patientId);
  }
}
