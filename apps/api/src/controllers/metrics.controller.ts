import { Controller, Get, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Metrics, NotFoundError } from '#domain';
import { Public } from '../http/auth';
import { OutsideRateLimits } from '../http/rate-limits';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** Prometheus text format, for a scraper on the same host only (not in the HTTP contract). */
@OutsideRateLimits()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Public()
  @Get()
  async scrape(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (!LOOPBACK.test(request.socket.remoteAddress ?? '')) throw new NotFoundError('No such route: GET /metrics.');
    reply.header('Content-Type', this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
