import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import type { z } from 'zod';
import { calendarFeedSchema, reachPreferencesBodySchema, reachPreferencesSchema } from '#contract';
import { AccessLog, type Actor, CalendarService, type Caller, NotFoundError, ReachService } from '#domain';
import { CurrentActor, CurrentCaller, originOf, Public } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';

/** How the engine reaches a person outside the app: email preferences and the calendar feed (README, "Email and calendar feeds"). */
@Controller()
export class ReachController {
  constructor(
    private readonly reach: ReachService,
    private readonly calendar: CalendarService,
    private readonly access: AccessLog,
  ) {}

  @Get('users/me/notification-preferences')
  preferences(@CurrentActor() actor: Actor): Promise<z.output<typeof reachPreferencesSchema>> {
    return this.reach.preferences(actor);
  }

  @Put('users/me/notification-preferences')
  setPreferences(@Body(new ZodPipe(reachPreferencesBodySchema)) body: z.infer<typeof reachPreferencesBodySchema>, @CurrentCaller() caller: Caller) {
    return this.reach.setPreferences(caller, body);
  }

  @Post('users/me/calendar-feed')
  @HttpCode(201)
  createFeed(@CurrentCaller() caller: Caller): Promise<z.output<typeof calendarFeedSchema>> {
    return this.reach.createCalendarFeed(caller);
  }

  @Delete('users/me/calendar-feed')
  @HttpCode(204)
  async revokeFeed(@CurrentCaller() caller: Caller) {
    await this.reach.revokeCalendarFeed(caller);
  }

  /** The feed itself: no bearer token, the feed token in the path; each read is in the access audit. */
  @Public()
  @Get('calendar/:file')
  @Header('Content-Type', 'text/calendar; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async feed(@Param('file') file: string, @Req() request: Parameters<typeof originOf>[0]) {
    const token = file.endsWith('.ics') ? file.slice(0, -4) : '';
    if (!token) throw new NotFoundError('No such calendar feed.');
    const actor = await this.reach.feedOwner(token);
    const body = await this.calendar.feed(actor);
    await this.access.record({ actor, origin: originOf(request) }, 'calendar.feed-read', [{ subject: actor.id.replace(/^user:/, '') }]);
    return body;
  }
}
