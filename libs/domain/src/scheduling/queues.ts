/** BullMQ queues. Jobs carry row ids only; the worker reloads everything from the database. */
export const TIMER_QUEUE = 'timers';
export const OUTBOX_QUEUE = 'outbox';
export const MAINTENANCE_QUEUE = 'maintenance';
export const WEBHOOK_QUEUE = 'webhooks';

/** Job names: each queue has one kind of job; a worker refuses any other name. */
export const TIMER_JOB = 'fire';
export const OUTBOX_JOB = 'deliver';
export const WEBHOOK_JOB = 'deliver';
export const RECONCILE_JOB = 'reconcile';
export const RECONCILER_SCHEDULER_ID = 'reconciler';

/** Job ids: the row id behind a prefix, never a bare integer, never a `:`. */
export const timerJobId = (timerId: string) => `timer-${timerId}`;
export const outboxJobId = (outboxId: string) => `outbox-${outboxId}`;
export const webhookJobId = (deliveryId: string) => `webhook-${deliveryId}`;

export interface TimerJob {
  timerId: string;
}

export interface OutboxJob {
  outboxId: string;
}

export interface WebhookJob {
  deliveryId: string;
}
