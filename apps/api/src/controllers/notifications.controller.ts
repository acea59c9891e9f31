import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { z } from 'zod';
import {
  createWebhookSchema,
  deliveriesQuery,
  inboxQuery,
  createdWebhookSchema,
  inboxSchema,
  markAllReadSchema,
  notificationReadSchema,
  notificationsReadSchema,
  webhookDeliverySchema,
  webhookSchema,
} from '#contract';
import { type Actor, type Caller, NotificationService } from '#domain';
import { CurrentActor, CurrentCaller, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';

@Controller()
export class NotificationsController {
  constructor(private readonly notifications: NotificationService) {}

  /** The caller's in-app inbox: visit reminders, missed visits, DLT windows, severe AEs, DLTs of its sites. */
  @Get('notifications')
  inbox(@Query(new ZodPipe(inboxQuery, 'query')) query: z.infer<typeof inboxQuery>, @CurrentActor() actor: Actor): Promise<z.output<typeof inboxSchema>> {
    return this.notifications.inbox(actor, query);
  }

  @Post('notifications/read')
  @HttpCode(200)
  markAllRead(@Body(new ZodPipe(markAllReadSchema)) body: z.infer<typeof markAllReadSchema>, @CurrentActor() actor: Actor): Promise<z.output<typeof notificationsReadSchema>> {
    return this.notifications.markAllRead(actor, body);
  }

  @Post('notifications/:id/read')
  @HttpCode(200)
  markRead(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<z.output<typeof notificationReadSchema>> {
    return this.notifications.markRead(actor, id);
  }

  /** Registers a webhook; its signing secret is in this answer only. */
  @Post('webhooks')
  @Roles('admin')
  createWebhook(
    @Body(new ZodPipe(createWebhookSchema)) body: z.infer<typeof createWebhookSchema>,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof createdWebhookSchema>> {
    return this.notifications.createWebhook(caller, body);
  }

  @Get('webhooks')
  @Roles('admin')
  webhooks(): Promise<Array<z.output<typeof webhookSchema>>> {
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
  deliveries(@Query(new ZodPipe(deliveriesQuery, 'query')) query: z.infer<typeof deliveriesQuery>): Promise<Array<z.output<typeof webhookDeliverySchema>>> {
    return this.notifications.deliveries(query);
  }

  @Post('webhooks/deliveries/:id/resend')
  @Roles('admin')
  @HttpCode(200)
  resend(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<z.output<typeof webhookDeliverySchema>> {
    return this.notifications.resend(caller, id);
  }
}
