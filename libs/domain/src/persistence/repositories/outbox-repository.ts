import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { OutboxEntity, WebhookDeliveryEntity } from '../entities';
import { TransactionRunner } from '../transaction-runner';

/** The outbox (notifications written with their event) and the webhook deliveries it fans out to. */
@Injectable()
export class OutboxRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
  ) {}

  /** The row, locked for its delivery inside the transaction. */
  lock(manager: EntityManager, outboxId: string): Promise<OutboxEntity | null> {
    return manager.findOne(OutboxEntity, { where: { id: outboxId }, lock: this.tx.dialect.rowLock });
  }

  /**
   * PostgreSQL: an outbox row relayed in one statement, as the relay does it in a transaction on
   * SQLite (OutboxRelay): the row claimed while `pending` and marked delivered, an inbox row for each
   * unrevoked user of the roles it is for at its sites, and a pending delivery for each unrevoked
   * webhook of those sites and its kind. One statement is atomic; a second relay of the same row waits
   * for the first's claim, then finds it delivered and writes nothing (undefined). The sites: the
   * patient's, or for a notice to the trial every site with a patient on it; the roles: investigators
   * alone for a notice to the trial (`payload.scope` is `audiences.trial`) or to `audiences.investigators`
   * (`payload.audience`), else coordinators and investigators.
   */
  async fanOut(outboxId: string, now: string, audiences: { trial: string; investigators: string }): Promise<FannedOut | undefined> {
    const rows: Array<{ id: string; kind: string; recipients: number; deliveries: string[] }> = await this.dataSource.query(
      `WITH claimed AS (
         UPDATE outbox SET status = 'delivered', delivered_at = $2, attempts = attempts + 1
          WHERE id = $1 AND status = 'pending'
         RETURNING id, patient_id, kind, payload, payload::jsonb AS p),
       sites AS (
         SELECT c.p->>'siteId' AS site_id FROM claimed c WHERE c.p->>'scope' IS DISTINCT FROM $3 AND c.p->>'siteId' IS NOT NULL
         UNION
         SELECT pt.site_id FROM patients pt, claimed c WHERE c.p->>'scope' = $3 AND pt.protocol_id = c.p->>'protocolId'),
       recipients AS (
         SELECT u.id FROM users u, claimed c
          WHERE u.revoked_at IS NULL
            AND u.role = ANY (CASE WHEN c.p->>'scope' = $3 OR c.p->>'audience' = $4 THEN ARRAY['investigator'] ELSE ARRAY['coordinator', 'investigator'] END)
            AND u.site_ids::jsonb ?| ARRAY(SELECT site_id FROM sites)),
       inbox AS (
         INSERT INTO notifications (id, outbox_id, user_id, patient_id, kind, message, payload, created_at, read_at)
         SELECT c.id || '.' || r.id, c.id, r.id, CASE WHEN c.p->>'scope' = $3 THEN NULL ELSE c.patient_id END, c.kind,
                COALESCE(c.p->>'message', c.kind), c.payload, $2, NULL
           FROM claimed c, recipients r
         ON CONFLICT DO NOTHING),
       hooks AS (
         INSERT INTO webhook_deliveries (id, outbox_id, webhook_id, status, attempts, last_error, created_at, updated_at, delivered_at)
         SELECT c.id || '.' || w.id, c.id, w.id, 'pending', 0, NULL, $2, $2, NULL
           FROM claimed c, webhooks w
          WHERE w.revoked_at IS NULL
            AND (w.site_ids::jsonb = '[]'::jsonb OR w.site_ids::jsonb ?| ARRAY(SELECT site_id FROM sites))
            AND (w.kinds::jsonb = '[]'::jsonb OR w.kinds::jsonb ? c.kind)
         RETURNING id)
       SELECT c.id, c.kind, (SELECT count(*) FROM recipients)::int AS recipients, ARRAY(SELECT id FROM hooks ORDER BY id) AS deliveries FROM claimed c`,
      [outboxId, now, audiences.trial, audiences.investigators],
    );
    if (!rows.length) return undefined;
    const [{ id, kind, recipients, deliveries }] = rows;
    return { row: { id, kind }, recipients, deliveries };
  }

  async markDelivered(manager: EntityManager, row: OutboxEntity, deliveredAt: string): Promise<void> {
    await manager.update(OutboxEntity, { id: row.id }, { status: 'delivered', deliveredAt, attempts: row.attempts + 1 });
  }

  /** Rows not delivered yet, oldest first. */
  pendingIds(take: number): Promise<Array<{ id: string }>> {
    return this.dataSource.getRepository(OutboxEntity).find({ where: { status: 'pending' }, select: { id: true }, order: { createdAt: 'ASC' }, take });
  }

  async pendingDeliveryIds(take: number): Promise<string[]> {
    const rows = await this.dataSource.getRepository(WebhookDeliveryEntity).find({ where: { status: 'pending' }, select: { id: true }, take });
    return rows.map((d) => d.id);
  }
}

/** What relaying one outbox row wrote: how many inboxes it reached, and the webhook deliveries to enqueue. */
export interface FannedOut {
  row: { id: string; kind: string };
  recipients: number;
  deliveries: string[];
}
