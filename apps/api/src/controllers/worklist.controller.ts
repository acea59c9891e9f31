import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor, WorklistService } from '#domain';
import { CurrentActor } from '../http/auth';

@ApiTags('worklist')
@ApiBearerAuth()
@Controller('worklist')
export class WorklistController {
  constructor(private readonly worklist: WorklistService) {}

  /** The caller's day: patients by trial and state, visits due today and overdue, open DLT windows, unread notices. */
  @Get()
  get(@CurrentActor() actor: Actor) {
    return this.worklist.forActor(actor);
  }
}
