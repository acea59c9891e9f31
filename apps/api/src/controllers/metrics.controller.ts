import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Metrics, NotFoundError } from '#domain';
import { Public } from '../http/auth';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** Prometheus text format, for a scraper on the same host only. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Public()
  @Get()
  async scrape(@Req() request: Request, @Res() response: Response) {
    if (!LOOPBACK.test(request.socket.remoteAddress ?? '')) throw new NotFoundError('No such route: GET /metrics.');
    response.setHeader('Content-Type', this.metrics.registry.contentType);
    response.send(await this.metrics.registry.metrics());
  }
}
