import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one process (`GET /metrics`). */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly eventsApplied = new Counter({
    name: 'cart_events_applied_total',
    help: 'Events written to patient logs, by event type and actor kind',
    labelNames: ['type', 'actor'] as const,
    registers: [this.registry],
  });

  readonly eventsRefused = new Counter({
    name: 'cart_events_refused_total',
    help: 'Events refused without writing, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly eventsRetriedUnderLock = new Counter({
    name: 'cart_events_retried_under_lock_total',
    help: 'Events first tried without a transaction whose patient changed meanwhile, then applied under the row lock',
    registers: [this.registry],
  });

  readonly timersSettled = new Counter({
    name: 'cart_timers_settled_total',
    help: 'Timers taken by the worker, by outcome (fired, skipped, stale, early: not yet due, left pending; busy: its patient row locked by a request, tried again shortly)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly outcomeReadings = new Counter({
    name: 'cart_outcome_readings_total',
    help: "Patient readings the trial outcomes took (ADR 0021), by where from: memo (kept parsed by this process), row (parsed from outcome_facts), fold (folded from the log's new entries)",
    labelNames: ['from'] as const,
    registers: [this.registry],
  });

  readonly outcomeReadingsKept = new Gauge({
    name: 'cart_outcome_readings_kept',
    help: 'Patient readings this process keeps parsed for the trial outcomes (at most OUTCOMES_MEMO_PATIENTS; a worker keeps none)',
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'cart_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'cart_' });
  }
}
