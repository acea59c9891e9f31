import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { AccessLog, type AccessAction, type Caller } from '../audit/access-log';
import { AlreadyExistsError, NotFoundError, QueryStateError, RefusedError } from '../errors';
import { type Actor, canSeeSite } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { DataQueryEntity, DataQueryMessageEntity, OutboxEntity, PatientEntity, PatientEventEntity, type QueryMessageKind, type QueryStatus } from '../persistence/entities';
import { insertRows } from '../persistence/insert-rows';
import { TransactionRunner } from '../persistence/transaction-runner';
import { JobDispatcher } from '../scheduling/job-dispatcher';
import { fieldOf, queryAgeDays, siteQueryFigures } from './query-rules';

/** The notice a raised query sends to the site's coordinators and investigators. */
export const QUERY_RAISED = 'query-raised';

/** What a raiser asks. */
export interface RaiseQuery {
  seq: number;
  field?: string;
  question: string;
}

/** What the site answers: a reply, a correcting entry of the log, or both. */
export interface AnswerQuery {
  text?: string;
  correctionSeq?: number;
}

/** Which queries a list shows. */
export interface QueryFilter {
  status?: QueryStatus;
  siteId?: string;
  protocolId?: string;
  patientId?: string;
}

/** One query as the API answers it. */
export interface QueryView {
  id: string;
  patientId: string;
  subjectId: string;
  siteId: string;
  protocolId: string;
  seq: number;
  field: string | null;
  status: QueryStatus;
  raisedBy: string;
  raisedAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Whole days since it was raised (to its closing, once closed). */
  ageDays: number;
  messages?: Array<{ kind: QueryMessageKind; text: string | null; correctionSeq: number | null; authorId: string; authorName: string; authorRole: string; at: string }>;
}

/**
 * Data queries (README, "Data queries"): the monitor's question on one entry of a patient's log, or
 * one field of it, and the site's answer. A monitor or an investigator raises and closes (or re-opens)
 * a query; a coordinator or an investigator of the patient's site answers it, with a reply, with a
 * correcting entry (a later event of the same patient carrying a `reason`, hash-chained as every
 * entry), or both. Each step is one transaction that writes the query's row, the exchange's new turn
 * and its access-audit row (`query.*`), so the whole exchange is in the audit trail; a raised query
 * also sends a notice to the site. Another site's patient or query is a 404, as everywhere.
 */
@Injectable()
export class DataQueryService {
  private readonly logger = new Logger('DataQuery');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: AccessLog,
    private readonly dispatcher: JobDispatcher,
    private readonly clock: Clock,
  ) {}

  /**
   * Raises a query on entry `seq` of the patient's log (and one field of it). An entry that does not
   * exist, or a field it does not have, is a 422; a second open query on the same entry and field a 409.
   */
  async raise(patientId: string, input: RaiseQuery, caller: Caller): Promise<QueryView> {
    const notice = await this.tx.run(async (manager) => {
      const patient = await this.visiblePatient(manager, patientId, caller.actor, true);
      const entry = await manager.findOne(PatientEventEntity, { where: { patientId, seq: input.seq } });
      if (!entry) throw new RefusedError('Query not raised', [`the patient's log has no entry ${input.seq} (it has ${await this.entryCount(manager, patientId)})`]);
      const field = input.field ?? null;
      if (field !== null && fieldOf(entry, field) === undefined) {
        throw new RefusedError('Query not raised', [`entry ${input.seq} (${entry.type}) has no field "${field}"`]);
      }
      const open = await manager.find(DataQueryEntity, { where: { patientId, seq: input.seq, status: In(['open', 'answered']) } });
      const same = open.find((q) => q.field === field);
      if (same) throw new AlreadyExistsError(`Query ${same.id} on entry ${input.seq}${field ? `, field ${field}` : ''} is still ${same.status}; add to it or close it first.`);
      const at = this.clock.now().toISOString();
      const query: DataQueryEntity = {
        id: randomUUID(),
        patientId,
        siteId: patient.siteId,
        subjectId: patient.subjectId,
        protocolId: patient.protocolId,
        seq: input.seq,
        field,
        status: 'open',
        raisedBy: caller.actor.id,
        raisedAt: at,
        updatedAt: at,
        closedAt: null,
      };
      await insertRows(manager, DataQueryEntity, [query]);
      await this.turn(manager, query, caller, 'question', { text: input.question }, 'query.raise', at);
      const outbox: OutboxEntity = {
        id: `${patientId}.query-${query.id}`,
        patientId,
        seq: 0,
        kind: QUERY_RAISED,
        payload: {
          kind: QUERY_RAISED,
          severity: 'info',
          message: `${caller.actor.name} raised a query on ${patient.subjectId}'s entry ${input.seq} (${entry.type}${field ? `, ${field}` : ''}): ${input.question}`,
          patientId,
          siteId: patient.siteId,
          protocolId: patient.protocolId,
          queryId: query.id,
          seq: input.seq,
          field,
        },
        status: 'pending',
        attempts: 0,
        createdAt: at,
        deliveredAt: null,
      };
      await insertRows(manager, OutboxEntity, [outbox]);
      return { outbox, queryId: query.id };
    });
    await this.dispatcher.enqueueOutbox([notice.outbox]).catch((error: Error) => {
      this.logger.warn(`Query notice not enqueued; the reconciler will retry: ${error.message}`);
    });
    return this.one(notice.queryId, caller.actor);
  }

  /**
   * The site's answer: a reply, a correcting entry, or both. A correcting entry must be a later entry
   * of the same patient with a reason; a closed query is a 409 (re-open it first).
   */
  async answer(queryId: string, input: AnswerQuery, caller: Caller): Promise<QueryView> {
    await this.tx.run(async (manager) => {
      const query = await this.visibleQuery(manager, queryId, caller.actor, true);
      if (query.status === 'closed') throw new QueryStateError(queryId, 'closed', 'it takes no answer until it is re-opened');
      if (input.correctionSeq !== undefined) {
        const reasons = await this.correctionRefusals(manager, query, input.correctionSeq);
        if (reasons.length) throw new RefusedError('Query not answered', reasons);
      }
      const at = this.clock.now().toISOString();
      await this.move(manager, query, 'answered', at);
      await this.turn(
        manager,
        query,
        caller,
        input.correctionSeq !== undefined ? 'correction' : 'reply',
        { text: input.text ?? null, correctionSeq: input.correctionSeq ?? null },
        'query.answer',
        at,
      );
    });
    return this.one(queryId, caller.actor);
  }

  /** Closes an open or answered query; a closed one is a 409. */
  async close(queryId: string, text: string | undefined, caller: Caller): Promise<QueryView> {
    await this.tx.run(async (manager) => {
      const query = await this.visibleQuery(manager, queryId, caller.actor, true);
      if (query.status === 'closed') throw new QueryStateError(queryId, 'closed', 'it was closed already');
      const at = this.clock.now().toISOString();
      await this.move(manager, query, 'closed', at);
      await this.turn(manager, query, caller, 'close', { text: text ?? null }, 'query.close', at);
    });
    return this.one(queryId, caller.actor);
  }

  /** Sends an answered or closed query back to the site, saying why the answer does not settle it; an open one is a 409. */
  async reopen(queryId: string, text: string, caller: Caller): Promise<QueryView> {
    await this.tx.run(async (manager) => {
      const query = await this.visibleQuery(manager, queryId, caller.actor, true);
      if (query.status === 'open') throw new QueryStateError(queryId, 'open', 'it is open already, waiting for the site');
      const at = this.clock.now().toISOString();
      await this.move(manager, query, 'open', at);
      await this.turn(manager, query, caller, 'reopen', { text }, 'query.reopen', at);
    });
    return this.one(queryId, caller.actor);
  }

  /** One query with its exchange, in order. */
  async one(queryId: string, actor: Actor): Promise<QueryView> {
    const manager = this.tx.manager;
    const query = await this.visibleQuery(manager, queryId, actor);
    const messages = await manager.find(DataQueryMessageEntity, { where: { queryId }, order: { at: 'ASC', id: 'ASC' } });
    return {
      ...this.view(query),
      messages: messages.map(({ kind, text, correctionSeq, authorId, authorName, authorRole, at }) => ({ kind, text, correctionSeq, authorId, authorName, authorRole, at })),
    };
  }

  /**
   * The caller's sites' queries (oldest raised first), and per site the counts by status with the
   * age of the open ones: how long a monitor's questions wait for the site.
   */
  async list(filter: QueryFilter, actor: Actor, page: { limit: number; offset: number }) {
    const manager = this.tx.manager;
    if (filter.siteId && !canSeeSite(actor, filter.siteId)) return { items: [], total: 0, ...page, sites: [] };
    const where = {
      ...(filter.siteId ? { siteId: filter.siteId } : actor.siteIds === 'all' ? {} : { siteId: In(actor.siteIds) }),
      ...(filter.protocolId ? { protocolId: filter.protocolId } : {}),
      ...(filter.patientId ? { patientId: filter.patientId } : {}),
    };
    const all = await manager.find(DataQueryEntity, { where, order: { raisedAt: 'ASC', id: 'ASC' } });
    const now = this.clock.now();
    const shown = filter.status ? all.filter((q) => q.status === filter.status) : all;
    return {
      items: shown.slice(page.offset, page.offset + page.limit).map((q) => this.view(q, now)),
      total: shown.length,
      ...page,
      sites: siteQueryFigures(all, now),
    };
  }

  /** The patients of the caller's sites with queries not closed: how many open, how many answered, since when. */
  async openByPatient(siteIds: string[] | 'all') {
    const rows = await this.tx.manager.find(DataQueryEntity, {
      where: { status: In(['open', 'answered']), ...(siteIds === 'all' ? {} : { siteId: In(siteIds) }) },
      order: { raisedAt: 'ASC' },
    });
    const byPatient = new Map<string, { patientId: string; subjectId: string; protocolId: string; open: number; answered: number; oldestRaisedAt: string }>();
    for (const q of rows) {
      const seen = byPatient.get(q.patientId) ?? { patientId: q.patientId, subjectId: q.subjectId, protocolId: q.protocolId, open: 0, answered: 0, oldestRaisedAt: q.raisedAt };
      if (q.status === 'open') seen.open += 1;
      else seen.answered += 1;
      byPatient.set(q.patientId, seen);
    }
    return [...byPatient.values()];
  }

  private view(query: DataQueryEntity, now = this.clock.now()): QueryView {
    return { ...query, ageDays: queryAgeDays(query, now) };
  }

  private async correctionRefusals(manager: EntityManager, query: DataQueryEntity, correctionSeq: number): Promise<string[]> {
    const entry = await manager.findOne(PatientEventEntity, { where: { patientId: query.patientId, seq: correctionSeq } });
    if (!entry) return [`the patient's log has no entry ${correctionSeq}`];
    const reasons: string[] = [];
    if (correctionSeq <= query.seq) reasons.push(`entry ${correctionSeq} comes before the queried entry ${query.seq}: a correction is a later entry`);
    if (!entry.reason) reasons.push(`entry ${correctionSeq} (${entry.type}) gives no reason: a correction says why it corrects`);
    if (entry.recordedAt < query.raisedAt) reasons.push(`entry ${correctionSeq} was recorded before the query was raised`);
    return reasons;
  }

  private async move(manager: EntityManager, query: DataQueryEntity, status: QueryStatus, at: string) {
    await manager.update(DataQueryEntity, { id: query.id }, { status, updatedAt: at, closedAt: status === 'closed' ? at : null });
  }

  /** One turn of the exchange and its access-audit row, in the step's transaction. */
  private async turn(
    manager: EntityManager,
    query: DataQueryEntity,
    caller: Caller,
    kind: QueryMessageKind,
    said: { text: string | null; correctionSeq?: number | null },
    action: AccessAction,
    at: string,
  ) {
    const { actor } = caller;
    const message: DataQueryMessageEntity = {
      id: randomUUID(),
      queryId: query.id,
      kind,
      text: said.text,
      correctionSeq: said.correctionSeq ?? null,
      authorId: actor.id,
      authorName: actor.name,
      authorRole: actor.role,
      at,
    };
    await insertRows(manager, DataQueryMessageEntity, [message]);
    await this.access.record(
      caller,
      action,
      [{ patientId: query.patientId, subject: query.id, details: { seq: query.seq, field: query.field, kind, text: said.text, correctionSeq: message.correctionSeq } }],
      manager,
    );
  }

  private async entryCount(manager: EntityManager, patientId: string) {
    const n = await manager.count(PatientEventEntity, { where: { patientId } });
    return n === 1 ? '1 entry' : `${n} entries`;
  }

  private async visiblePatient(manager: EntityManager, patientId: string, actor: Actor, lock = false): Promise<PatientEntity> {
    const patient = await manager.findOne(PatientEntity, { where: { id: patientId }, ...(lock ? { lock: this.tx.rowLock } : {}) });
    if (!patient || !canSeeSite(actor, patient.siteId)) throw new NotFoundError(`Patient ${patientId} does not exist.`);
    return patient;
  }

  /** The query, its row locked for a step; another site's is a 404, like one that does not exist. */
  private async visibleQuery(manager: EntityManager, queryId: string, actor: Actor, lock = false): Promise<DataQueryEntity> {
    const query = await manager.findOne(DataQueryEntity, { where: { id: queryId }, ...(lock ? { lock: this.tx.rowLock } : {}) });
    if (!query || !canSeeSite(actor, query.siteId)) throw new NotFoundError(`Query ${queryId} does not exist.`);
    return query;
  }
}
