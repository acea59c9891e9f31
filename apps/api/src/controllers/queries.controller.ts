import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { z } from 'zod';
import {
  answerQuerySchema,
  type AnswerQueryBody,
  closeQuerySchema,
  type CloseQueryBody,
  dataQueriesSchema,
  dataQuerySchema,
  queriesQuery,
  raiseQuerySchema,
  type RaiseQueryBody,
  reopenQuerySchema,
  type ReopenQueryBody,
} from '#contract';
import { AccessLog, type Caller, DataQueryService } from '#domain';
import { CurrentCaller, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';
import { uuidParam } from '../http/uuid-param';
import { patientId } from './patients.controller';

/** A query id that is not even a UUID names no query: 404, like any unknown one. */
const queryId = uuidParam('Query');

/**
 * Data queries (README, "Data queries"): monitors and investigators raise, close and re-open them;
 * coordinators and investigators of the patient's site answer them. Every step and every read is in
 * the access audit.
 */
@Controller()
export class QueriesController {
  constructor(
    private readonly queries: DataQueryService,
    private readonly access: AccessLog,
  ) {}

  @Post('patients/:id/queries')
  @Roles('investigator', 'monitor')
  raise(@Param('id', patientId) id: string, @Body(new ZodPipe(raiseQuerySchema)) body: RaiseQueryBody, @CurrentCaller() caller: Caller): Promise<z.output<typeof dataQuerySchema>> {
    return this.queries.raise(id, body, caller);
  }

  @Get('queries')
  @Roles('coordinator', 'investigator', 'monitor')
  async list(@Query(new ZodPipe(queriesQuery, 'query')) query: z.output<typeof queriesQuery>, @CurrentCaller() caller: Caller): Promise<z.output<typeof dataQueriesSchema>> {
    const { limit, offset, ...filter } = query;
    const answer = await this.queries.list(filter, caller.actor, { limit, offset });
    const named = [...new Set(answer.items.map((q) => q.patientId))];
    await this.access.record(
      caller,
      'query.read',
      named.map((id) => ({ patientId: id })),
    );
    return answer;
  }

  @Get('queries/:queryId')
  @Roles('coordinator', 'investigator', 'monitor')
  async one(@Param('queryId', queryId) id: string, @CurrentCaller() caller: Caller): Promise<z.output<typeof dataQuerySchema>> {
    const query = await this.queries.one(id, caller.actor);
    await this.access.record(caller, 'query.read', [{ patientId: query.patientId, subject: id }]);
    return query;
  }

  @Post('queries/:queryId/answers')
  @Roles('coordinator', 'investigator')
  @HttpCode(200)
  answer(
    @Param('queryId', queryId) id: string,
    @Body(new ZodPipe(answerQuerySchema)) body: AnswerQueryBody,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof dataQuerySchema>> {
    return this.queries.answer(id, body, caller);
  }

  @Post('queries/:queryId/close')
  @Roles('investigator', 'monitor')
  @HttpCode(200)
  close(
    @Param('queryId', queryId) id: string,
    @Body(new ZodPipe(closeQuerySchema)) body: CloseQueryBody,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof dataQuerySchema>> {
    return this.queries.close(id, body.text, caller);
  }

  @Post('queries/:queryId/reopen')
  @Roles('investigator', 'monitor')
  @HttpCode(200)
  reopen(
    @Param('queryId', queryId) id: string,
    @Body(new ZodPipe(reopenQuerySchema)) body: ReopenQueryBody,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof dataQuerySchema>> {
    return this.queries.reopen(id, body.text, caller);
  }
}
