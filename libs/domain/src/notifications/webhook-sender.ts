import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { NotificationRepository } from '../persistence/repositories/notification-repository';
import { Clock } from '../kernel/clock';
import type { WebhookJobHandler } from '../scheduling/queues/webhook-queue';
import { WebhookDestinations } from './webhook-destination';

/** The signature a receiver checks: HMAC-SHA256 of the exact body with the webhook's secret, hex. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookAttemptFailed extends Error {}

/**
 * One POST of a body, answered by its status. Node's own client: it follows no redirect, and its
 * `lookup` is the one that checks every address the host resolves to before the socket connects.
 */
function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number, lookup: WebhookDestinations['lookup']): Promise<number> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, lookup, signal: AbortSignal.timeout(timeoutMs) },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Sends one webhook delivery. A 2xx marks it delivered; a failure counts an attempt and throws so
 * BullMQ retries with backoff, until the last attempt dead-letters it. A delivery already settled is
 * not sent again, and every attempt carries the same `X-Webhook-Id` for a receiver to drop a repeat.
 */
@Injectable()
export class WebhookSender implements WebhookJobHandler {
  private readonly logger = new Logger(WebhookSender.name);
  private readonly destinations: WebhookDestinations;

  constructor(
    private readonly rows: NotificationRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.destinations = new WebhookDestinations(config.webhook);
  }

  async send(deliveryId: string): Promise<'delivered' | 'dead' | 'skipped'> {
    const delivery = await this.rows.delivery(deliveryId);
    if (!delivery || delivery.status !== 'pending') return 'skipped';
    const webhook = await this.rows.webhook(delivery.webhookId);
    const occurrence = await this.rows.occurrence(delivery.outboxId);
    const now = () => this.clock.now().toISOString();
    if (!webhook || webhook.revokedAt || !occurrence) {
      await this.rows.updatePendingDelivery(deliveryId, { status: 'dead', lastError: 'the webhook was revoked', updatedAt: now() });
      return 'dead';
    }
    const body = JSON.stringify({
      id: delivery.id,
      occurrence: occurrence.id,
      kind: occurrence.kind,
      createdAt: occurrence.createdAt,
      ...occurrence.payload,
    });
    // The rules again at delivery: a webhook registered before them, or under settings since narrowed.
    let problem = this.destinations.urlProblem(webhook.url);
    if (!problem) {
      try {
        const headers = { 'Content-Type': 'application/json', 'X-Webhook-Id': delivery.id, 'X-Webhook-Signature': webhookSignature(webhook.secret, body) };
        const status = await post(new URL(webhook.url), headers, body, this.config.webhook.timeoutMs, this.destinations.lookup);
        if (status >= 300 && status < 400) problem = `the endpoint answered ${status}, a redirect (redirects are not followed)`;
        else if (status < 200 || status >= 300) problem = `the endpoint answered ${status}`;
      } catch (error) {
        problem = `the endpoint could not be reached: ${(error as Error).message}`;
      }
    }
    const attempts = delivery.attempts + 1;
    if (!problem) {
      await this.rows.updatePendingDelivery(deliveryId, { status: 'delivered', attempts, lastError: null, deliveredAt: now(), updatedAt: now() });
      return 'delivered';
    }
    const dead = attempts >= this.config.webhook.maxAttempts;
    await this.rows.updatePendingDelivery(deliveryId, { status: dead ? 'dead' : 'pending', attempts, lastError: problem, updatedAt: now() });
    if (dead) {
      this.logger.warn(`Webhook delivery ${deliveryId} dead after ${attempts} attempts: ${problem}`);
      return 'dead';
    }
    throw new WebhookAttemptFailed(`attempt ${attempts} of ${this.config.webhook.maxAttempts}: ${problem}`);
  }
}
