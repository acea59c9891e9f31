import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Actor, type Caller, NotificationService } from '#domain';
import { CurrentActor, CurrentCaller, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';
import { openApi, page } from '../http/schemas';

const inboxQuery = z.object({ unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional(), ...page }).strict();
const deliveriesQuery = z.object({ status: z.enum(['pending', 'delivered', 'dead']).optional(), ...page }).strict();
const createWebhookSchema = z
  .object({
    // Any URL here; the destination rules (https, public addresses) are the service's, a 422 naming the rule.
    url: z.url().max(500),
    siteIds: z.array(z.string().min(1).max(60)).max(100).default([]),
    kinds: z.array(z.string().min(1).max(40)).max(20).default([]),
  })
  .strict();

@ApiTags('notifications')
@ApiBearerAuth()
@Controller()
export class NotificationsController {
  constructor(private readonly notifications: NotificationService) {}

  /** The caller's in-app inbox: visit reminders, missed visits, DLT windows, severe AEs, DLTs of its sites. */
  @Get('notifications')
  inbox(@Query(new ZodPipe(inboxQuery, 'query')) query: z.infer<typeof inboxQuery>, @CurrentActor() actor: Actor) {
    return this.notifications.inbox(actor, query);
  }

  @Post('notifications/:id/read')
  @HttpCode(200)
  markRead(@Param('id') id: string, @CurrentActor() actor: Actor) {
    return this.notifications.markRead(actor, id);
  }

  /** Registers a webhook; its signing secret is in this answer only. */
  @Post('webhooks')
  @Roles('admin')
  @ApiBody({ schema: openApi(createWebhookSchema) })
  createWebhook(@Body(new ZodPipe(createWebhookSchema)) body: z.infer<typeof createWebhookSchema>, @CurrentCaller() caller: Caller) {
    return this.notifications.createWebhook(caller, body);
  }

  @Get('webhooks')
  @Roles('admin')
  webhooks() {
    return this.notifications.webhooks();
  }

  @Delete('webhooks/:id')
  @Roles('admin')
  @HttpCode(204)
  async revokeWebhook(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    await this.notifications.revokeWebhook(caller, id);
  }

  /** Deliveries by status: `dead` is the dead-letter list. */
  @Get('webhooks/deliveries')
  @Roles('admin')
  deliveries(@Query(new ZodPipe(deliveriesQuery, 'query')) query: z.infer<typeof deliveriesQuery>) {
    return this.notifications.deliveries(query);
  }

  @Post('webhooks/deliveries/:id/resend')
  @Roles('admin')
  @HttpCode(200)
  resend(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.notifications.resend(caller, id);
  }
}
