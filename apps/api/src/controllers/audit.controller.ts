import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ACCESS_ACTIONS, AccessLog, type Actor, AuditService } from '#domain';
import { CurrentActor, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';

const verifyQuery = z.object({ patientId: z.uuid().optional() }).strict();

const accessQuery = z
  .object({
    patientId: z.uuid().optional(),
    actor: z
      .string()
      .regex(/^((user:)?[0-9a-f-]{36}|system:[a-z-]{1,40})$/i, 'must be a user id, user:<id> or system:<name>')
      .optional(),
    action: z.enum(ACCESS_ACTIONS).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly access: AccessLog,
  ) {}

  /** Walks the hash chain of one patient (or all) and names the first broken entry. */
  @Get('verify')
  @Roles('monitor')
  verify(@Query(new ZodPipe(verifyQuery, 'query')) query: z.infer<typeof verifyQuery>, @CurrentActor() actor: Actor) {
    return this.audit.verify(actor, query.patientId);
  }

  /**
   * The access audit, newest first: who read or exported which patient, who changed users, tokens,
   * webhooks and signing passwords. An admin sees all of it; a monitor the records about the
   * patients of its sites.
   */
  @Get('access')
  @Roles('monitor')
  accessRecords(@Query(new ZodPipe(accessQuery, 'query')) query: z.infer<typeof accessQuery>, @CurrentActor() actor: Actor) {
    return this.access.query(actor, query);
  }
}
