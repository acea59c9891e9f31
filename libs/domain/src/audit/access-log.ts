import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessRecordEntity } from '../persistence/entities';
import { TransactionRunner } from '../persistence/transaction-runner';
import { insertRows } from '../persistence/insert-rows';
import type { Actor } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { ACCESS_ACTIONS } from '#contract';

/** Where a request came from: the caller's address as the API resolved it, and the request id it answered with. */
export interface RequestOrigin {
  address: string | null;
  requestId: string | null;
}

/** Who did it, and from where. */
export interface Caller {
  actor: Actor;
  origin: RequestOrigin;
}

/** The service itself at start (the ADMIN_TOKEN admin, the first admin): no address, no request. */
export const AT_START: Caller = { actor: { id: 'system:start', name: 'Service start', role: 'system', siteIds: 'all' }, origin: { address: null, requestId: null } };

/** Everything the access audit records: the HTTP contract's vocabulary (`?action=` of GET /audit/access). */
export { ACCESS_ACTIONS };
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

/** One row: the patient it concerns (if any), what else it names, and details. */
export interface AccessEntry {
  patientId?: string | null;
  subject?: string | null;
  details?: Record<string, unknown> | null;
}

export interface AccessQuery {
  patientId?: string;
  /** `user:<id>`, `system:<what>` or a bare user id. */
  actor?: string;
  action?: AccessAction;
  /** ISO 8601 instants: from inclusive, to exclusive. */
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

/**
 * The access audit (append-only; the database refuses UPDATE and DELETE): who read or exported
 * which patient, who changed users, tokens, webhooks and signing passwords, when, from which
 * address, under which request id. Reads and admin actions are recorded; posting an event is not
 * (the event log itself names its actor).
 */
@Injectable()
export class AccessLog {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /**
   * Writes one row per entry (one row without a patient when `entries` is empty). With `manager`,
   * inside that transaction, so an admin action and its record commit together.
   */
  async record(caller: Caller, action: AccessAction, entries: AccessEntry[], manager?: EntityManager): Promise<void> {
    const at = this.clock.now().toISOString();
    const { actor, origin } = caller;
    const rows = (entries.length ? entries : [{}]).map((entry): Omit<AccessRecordEntity, 'id'> => ({
      at,
      actor: actor.id,
      actorName: actor.name,
      actorRole: actor.role,
      address: origin.address,
      requestId: origin.requestId,
      action,
      patientId: entry.patientId ?? null,
      subject: entry.subject ?? null,
      details: entry.details ?? null,
    }));
    // A list or an export of many patients is written in a few multi-row statements.
    const write = (m: EntityManager) => insertRows(m, AccessRecordEntity, rows as AccessRecordEntity[]);
    if (manager) return write(manager);
    // On SQLite (one connection) a write outside the writer's queue could land in another request's transaction.
    return this.tx.dialect.standalone(write);
  }

  /**
   * The records an admin (all) or a monitor (those about the patients of its sites) may read,
   * newest first.
   */
  async query(actor: Actor, query: AccessQuery) {
    const empty = { items: [], total: 0, limit: query.limit, offset: query.offset };
    if (actor.siteIds !== 'all' && !actor.siteIds.length) return empty;
    const rows = this.dataSource.getRepository(AccessRecordEntity).createQueryBuilder('a');
    if (actor.siteIds !== 'all') {
      rows.andWhere('a.patient_id IN (SELECT p.id FROM patients p WHERE p.site_id IN (:...sites))', { sites: actor.siteIds });
    }
    if (query.patientId) rows.andWhere('a.patient_id = :patientId', { patientId: query.patientId });
    if (query.actor) rows.andWhere('a.actor = :actor', { actor: query.actor.includes(':') ? query.actor : `user:${query.actor}` });
    if (query.action) rows.andWhere('a.action = :action', { action: query.action });
    if (query.from) rows.andWhere('a.at >= :from', { from: new Date(query.from).toISOString() });
    if (query.to) rows.andWhere('a.at < :to', { to: new Date(query.to).toISOString() });
    const [items, total] = await rows.orderBy('a.id', 'DESC').take(query.limit).skip(query.offset).getManyAndCount();
    return { items, total, limit: query.limit, offset: query.offset };
  }
}
