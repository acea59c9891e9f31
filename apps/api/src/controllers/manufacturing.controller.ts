import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import type { z } from 'zod';
import {
  cancelSlotSchema,
  type CancelSlotBody,
  capacityQuery,
  capacitySchema,
  createManufacturingSiteSchema,
  type CreateManufacturingSiteBody,
  manufacturingSiteSchema,
  manufacturingSitesSchema,
  rebookSlotSchema,
  type RebookSlotBody,
  siteIdParam,
  slotAnswerSchema,
  updateManufacturingSiteSchema,
  type UpdateManufacturingSiteBody,
} from '#contract';
import { AccessLog, type Caller, ManufacturingService } from '#domain';
import { CurrentCaller, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';
import { patientId } from './patients.controller';

/**
 * Manufacturing capacity (README, "Manufacturing capacity"; ADR 0019): an admin defines the
 * manufacturing sites; coordinators, investigators and monitors read the weeks and the queue;
 * coordinators and investigators move their own patients' slots.
 */
@Controller()
export class ManufacturingController {
  constructor(
    private readonly manufacturing: ManufacturingService,
    private readonly access: AccessLog,
  ) {}

  /** The sites: no patient named, not in the access audit. */
  @Get('manufacturing/sites')
  @Roles('coordinator', 'investigator', 'monitor')
  async sites(): Promise<z.output<typeof manufacturingSitesSchema>> {
    return { items: await this.manufacturing.sites() };
  }

  @Post('manufacturing/sites')
  @Roles('admin')
  create(@Body(new ZodPipe(createManufacturingSiteSchema)) body: CreateManufacturingSiteBody, @CurrentCaller() caller: Caller): Promise<z.output<typeof manufacturingSiteSchema>> {
    const { id, ...input } = body;
    return this.manufacturing.create(id, input, caller);
  }

  @Put('manufacturing/sites/:siteId')
  @Roles('admin')
  update(
    @Param('siteId', new ZodPipe(siteIdParam, 'siteId')) siteId: string,
    @Body(new ZodPipe(updateManufacturingSiteSchema)) body: UpdateManufacturingSiteBody,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof manufacturingSiteSchema>> {
    return this.manufacturing.update(siteId, body, caller);
  }

  /** In the access audit: one record per patient the answer names. */
  @Get('manufacturing/sites/:siteId/capacity')
  @Roles('coordinator', 'investigator', 'monitor')
  async capacity(
    @Param('siteId', new ZodPipe(siteIdParam, 'siteId')) siteId: string,
    @Query(new ZodPipe(capacityQuery, 'query')) query: z.output<typeof capacityQuery>,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof capacitySchema>> {
    const capacity = await this.manufacturing.capacity(siteId, query.weeks, caller.actor);
    const named = new Set([...capacity.weeks.flatMap((w) => w.patients), ...capacity.queue].map((p) => p.patientId).filter((id): id is string => id !== null));
    await this.access.record(
      caller,
      'manufacturing.capacity-read',
      [...named].map((id) => ({ patientId: id, subject: siteId })),
    );
    return capacity;
  }

  @Get('patients/:id/manufacturing-slot')
  @Roles('coordinator', 'investigator', 'monitor')
  async slot(@Param('id', patientId) id: string, @CurrentCaller() caller: Caller): Promise<z.output<typeof slotAnswerSchema>> {
    const answer = await this.manufacturing.slotOf(id, caller.actor);
    await this.access.record(caller, 'manufacturing.slot-read', [{ patientId: id }]);
    return answer;
  }

  @Put('patients/:id/manufacturing-slot')
  @Roles('coordinator', 'investigator')
  rebook(
    @Param('id', patientId) id: string,
    @Body(new ZodPipe(rebookSlotSchema)) body: RebookSlotBody,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof slotAnswerSchema>> {
    return this.manufacturing.rebook(id, body.week, body.reason, caller);
  }

  @Post('patients/:id/manufacturing-slot/cancel')
  @Roles('coordinator', 'investigator')
  @HttpCode(200)
  cancel(
    @Param('id', patientId) id: string,
    @Body(new ZodPipe(cancelSlotSchema)) body: CancelSlotBody,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof slotAnswerSchema>> {
    return this.manufacturing.cancel(id, body.reason, caller);
  }
}
