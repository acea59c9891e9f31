import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A receiver of signed notifications (HMAC-SHA256 of the body with its secret). */
@Entity('webhooks')
export class WebhookEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 500 })
  url!: string;

  /** The signing secret; it must be kept to sign, and is shown to the admin once. */
  @Column({ type: 'varchar', length: 100 })
  secret!: string;

  /** Sites whose notifications it receives; empty for every site. */
  @Column({ name: 'site_ids', type: 'simple-json' })
  siteIds!: string[];

  /** Notification kinds it receives; empty for every kind. */
  @Column({ type: 'simple-json' })
  kinds!: string[];

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt!: string;

  @Column({ name: 'revoked_at', type: 'varchar', length: 30, nullable: true })
  revokedAt!: string | null;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'dead';

/** One occurrence to one webhook: retried until delivered or dead, re-sent on request. */
@Entity('webhook_deliveries')
@Index('ix_webhook_deliveries_status', ['status'])
export class WebhookDeliveryEntity {
  /** `<outboxId>.<webhookId>`, sent as `X-Webhook-Id` so a receiver can drop a repeat. */
  @PrimaryColumn({ type: 'varchar', length: 150 })
  id!: string;

  @Column({ name: 'outbox_id', type: 'varchar', length: 100 })
  outboxId!: string;

  @Column({ name: 'webhook_id', type: 'varchar', length: 36 })
  webhookId!: string;

  @Column({ type: 'varchar', length: 12 })
  status!: WebhookDeliveryStatus;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt!: string;

  @Column({ name: 'delivered_at', type: 'varchar', length: 30, nullable: true })
  deliveredAt!: string | null;
}
