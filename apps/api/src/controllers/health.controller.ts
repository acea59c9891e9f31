import { Controller, Get, Res } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import type { FastifyReply } from 'fastify';
import { TIMER_QUEUE } from '#domain';
import { Public } from '../http/auth';
import { OutsideRateLimits } from '../http/rate-limits';

// A load balancer's probe must not be refused because one client spent the address's budget.
@OutsideRateLimits()
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(TIMER_QUEUE) private readonly timers: Queue,
  ) {}

  /** Liveness and readiness: 200 when the database and Redis answer, 503 otherwise. */
  @Public()
  @Get()
  async health(@Res() reply: FastifyReply) {
    const [database, redis] = await Promise.all([this.check(() => this.dataSource.query('SELECT 1')), this.check(() => this.timers.count())]);
    const ok = database === 'up' && redis === 'up';
    reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', database, redis, databaseType: this.dataSource.options.type });
  }

  private async check(probe: () => Promise<unknown>): Promise<'up' | 'down'> {
    try {
      await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
      return 'up';
    } catch {
      return 'down';
    }
  }
}
