import { Controller, Get } from '@nestjs/common';
import { AccessLog, type Caller, WorklistService } from '#domain';
import type { z } from 'zod';
import { worklistSchema } from '#contract';
import { CurrentCaller } from '../http/auth';

@Controller('worklist')
export class WorklistController {
  constructor(
    private readonly worklist: WorklistService,
    private readonly access: AccessLog,
  ) {}

  /** The caller's day: patients by trial and state, visits due today and overdue, open DLT windows, unread notices. */
  @Get()
  async get(@CurrentCaller() caller: Caller): Promise<z.output<typeof worklistSchema>> {
    const worklist = await this.worklist.forActor(caller.actor);
    // In the access audit: one record per patient the worklist names.
    const named = new Set([
      ...worklist.patients.map((p) => p.id),
      ...[...worklist.visits.overdue, ...worklist.visits.dueToday, ...worklist.dltWindows].map((row) => row.patientId),
    ]);
    await this.access.record(
      caller,
      'worklist.read',
      [...named].map((patientId) => ({ patientId })),
    );
    return worklist;
  }
}
