import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { labCodeForLoinc, labResultProblems, labTest, type LabTest } from '#protocols';
import { DomainError, IdempotencyKeyReusedError, NotFoundError, RefusedError } from '../errors';
import { type Actor, canSeeSite } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { WorkflowEngine } from '../engine/workflow-engine';
import type { LabMessageEntity, LabOutcome, LabResultEntity, ResultOutcome } from '../persistence/entities';
import { type IncomingResult, LOINC_SYSTEM, type ReceivedMessage } from './incoming-result';
import { InFlightBatch } from '../persistence/in-flight-batch';
import { LabIntakeRepository, type LookUp, type LookUpRequest } from './lab-intake-repository';
import { toCanonicalUnit } from './unit-conversion';

/** The most results one message may carry (an OBX each, an Observation each); a larger one is refused whole. */
export const MAX_RESULTS_PER_MESSAGE = 500;
/** The most identifiers a result may give its patient (PID-3 repetitions with PID-2). */
export const MAX_PATIENT_IDENTIFIERS = 20;

/** Raw bytes kept of a message refused for its size. */
export const KEPT_BYTES_OF_OVERSIZED = 64 * 1024;

/** What a result comes to: an event to apply, or a reason for a person to look at it. */
type Verdict = { apply: Apply } | { inbox: string };

interface Apply {
  patientId: string;
  labCode: string;
  data: LabResultData;
  reason?: string;
  correctsSeq?: number;
}

/** A result taken in: its outcome in the message, and the row to keep of it (none for a duplicate already on record). */
interface Taken {
  outcome: ResultOutcome;
  row?: LabResultEntity;
}

interface LabResultData {
  code: string;
  value: number;
  unit: string;
  collectedAt: string;
}

/** A person's resolution of an inbox item: the patient it is, the engine's code it is (optionally saved for the site), or a rejection. */
export type InboxResolution = { action: 'apply'; patientId?: string; labCode?: string; saveMapping?: boolean; saveIdentifiers?: boolean } | { action: 'reject'; reason: string };

/**
 * Lab results from lab systems (docs/adr/0014-lab-results-in.md): each result is matched to a
 * patient of the sending site, its code mapped to the catalogue, its unit converted, and applied as
 * `LAB_RESULT_RECORDED` through the engine, or held in the site's integration inbox with the reason.
 * Nothing is dropped and nothing guessed; a control id seen before writes nothing.
 */
@Injectable()
export class LabIntakeService {
  /**
   * The look-ups and writes of the results that arrive together (a burst over several connections)
   * share round trips; the engine's events stay one per result, each under its own key.
   */
  private readonly lookUps: InFlightBatch<LookUpRequest, LookUp>;
  private readonly records: InFlightBatch<{ message: LabMessageEntity; results: LabResultEntity[] }, Set<string>>;

  constructor(
    private readonly repository: LabIntakeRepository,
    private readonly engine: WorkflowEngine,
    private readonly clock: Clock,
  ) {
    this.lookUps = new InFlightBatch((requests) => this.repository.lookUp(requests));
    this.records = new InFlightBatch((entries) => this.repository.record(entries));
  }

  /** Records a message refused whole (not parseable, not ORU^R01, too large, another site's): nothing of it is applied. */
  async refuse(message: ReceivedMessage, reason: string, acknowledgement: string, sender: Actor): Promise<void> {
    await this.records.call({ message: this.messageRow(message, sender, { acknowledgement, outcome: 'rejected', reason, results: [] }), results: [] });
  }

  /**
   * Takes a message's results in. The sender must be allowed to send for the message's site (a lab
   * user's sites, the listener's configured sites): otherwise the message is refused whole and
   * nothing is matched, so another site's patients are neither touched nor named. Each result is
   * judged and applied in turn; then the message and its results' rows are written together.
   */
  async receive(message: ReceivedMessage, results: IncomingResult[], sender: Actor): Promise<{ refused?: string; refusedAs?: 'forbidden' | 'invalid'; outcomes: ResultOutcome[] }> {
    const siteId = message.siteId;
    if (!siteId || !canSeeSite(sender, siteId)) {
      const refused = siteId ? `site ${siteId} is not a site this sender may send results for` : 'the message names no sending site';
      await this.refuse(message, refused, 'AR', sender);
      return { refused, refusedAs: 'forbidden', outcomes: [] };
    }
    // Refused whole before anything is applied: a message this size is not one lab report.
    const tooMuch =
      results.length > MAX_RESULTS_PER_MESSAGE
        ? `the message holds ${results.length} results; at most ${MAX_RESULTS_PER_MESSAGE} are taken in one message: split it`
        : results.some((r) => r.patientIdentifiers.length > MAX_PATIENT_IDENTIFIERS)
          ? `a result gives more than ${MAX_PATIENT_IDENTIFIERS} patient identifiers`
          : undefined;
    if (tooMuch) {
      await this.refuse(message, tooMuch, 'AR', sender);
      return { refused: tooMuch, refusedAs: 'invalid', outcomes: [] };
    }
    const messageId = randomUUID();
    const taken: Taken[] = [];
    const seen = new Set<string>();
    for (const result of results) {
      // A control id twice in one message: the second is the first again.
      if (seen.has(result.controlId)) taken.push({ outcome: { controlId: result.controlId, outcome: 'duplicate' } });
      else taken.push(await this.takeIn(messageId, siteId, result, sender));
      seen.add(result.controlId);
    }
    const rows = taken.flatMap((t) => (t.row ? [t.row] : []));
    let outcomes = taken.map((t) => t.outcome);
    const row = {
      ...this.messageRow(message, sender, { ...messageOutcome(outcomes), reason: results.length ? null : 'the message holds no results', results: outcomes }),
      id: messageId,
    };
    const written = await this.records.call({ message: row, results: rows });
    const lost = new Set(rows.filter((r) => !written.has(r.id)).map((r) => r.controlId));
    if (lost.size) {
      // Sent again on another connection while this one was judged: that copy's row stands.
      outcomes = outcomes.map((o) => (lost.has(o.controlId) ? { controlId: o.controlId, outcome: 'duplicate' } : o));
      await this.repository.setMessageOutcome(messageId, { ...messageOutcome(outcomes), results: outcomes });
    }
    return { outcomes };
  }

  /**
   * One result: a duplicate, applied, or into the inbox, with the row to keep of it. A result the
   * engine had already applied under its key (sent again after a crash cut the first answer short)
   * is a duplicate whose row is kept if it was lost.
   */
  private async takeIn(messageId: string, siteId: string, result: IncomingResult, sender: Actor): Promise<Taken> {
    const { controlId } = result;
    const found = await this.lookUps.call({ siteId, controlId, identifiers: result.patientIdentifiers, code: result.code });
    if (found.duplicate) return { outcome: { controlId, outcome: 'duplicate' } };
    const verdict = this.judge(siteId, result, found);
    const correction = 'apply' in verdict ? await this.correction(result, verdict.apply) : verdict;
    const { row, replayed } = await this.applyOrHold(this.resultRow(messageId, siteId, result), correction, sender);
    if (replayed) return { outcome: { controlId, outcome: 'duplicate' }, ...(row ? { row } : {}) };
    return row.outcome === 'accepted'
      ? { outcome: { controlId, outcome: 'accepted', seq: row.seq ?? undefined }, row }
      : { outcome: { controlId, outcome: 'inbox', reason: row.reason ?? undefined }, row };
  }

  /**
   * Applies a verdict: the event through the engine (a refusal sends the result to the inbox), or the
   * inbox. `replayed`: the engine had the event under its key already (the row then says so, with
   * the seq; none when the key was used for another result).
   */
  private async applyOrHold(row: LabResultEntity, verdict: Verdict, actor: Actor): Promise<{ row: LabResultEntity; replayed: false } | { row?: LabResultEntity; replayed: true }> {
    if ('inbox' in verdict) return { row: { ...row, outcome: 'inbox', inboxStatus: 'open', reason: verdict.inbox }, replayed: false };
    const { patientId, labCode, data, reason, correctsSeq } = verdict.apply;
    try {
      const applied = await this.engine.apply(
        patientId,
        { type: 'LAB_RESULT_RECORDED', data, ...(reason ? { reason } : {}), idempotencyKey: idempotencyKey(row.siteId, row.controlId) },
        actor,
      );
      const accepted = { ...row, outcome: 'accepted' as const, patientId, labCode, collectedAt: data.collectedAt, seq: applied.seq, correctsSeq: correctsSeq ?? null };
      return applied.replayed ? { row: accepted, replayed: true } : { row: accepted, replayed: false };
    } catch (error) {
      if (error instanceof IdempotencyKeyReusedError) return { replayed: true };
      if (!(error instanceof DomainError)) throw error;
      return { row: { ...row, outcome: 'inbox', inboxStatus: 'open', patientId, labCode, reason: `the patient's record refused it: ${refusal(error)}` }, replayed: false };
    }
  }

  /**
   * What a result comes to, without writing anything: the status must be final or a correction,
   * the patient one of the site's, the code LOINC in the catalogue or mapped by the site, the value a
   * number in a unit that converts, within bounds (the patients matched: matchedPatients).
   */
  private judge(siteId: string, result: IncomingResult, found: Omit<LookUp, 'duplicate'>, chosen: { patientId?: string; labCode?: string } = {}): Verdict {
    if (result.status === 'other') return { inbox: `result status "${result.resultStatus}" is not final: final (F) and corrected (C) results are recorded` };
    let patientId = chosen.patientId;
    if (!patientId) {
      const matches = matchedPatients(found);
      const given = result.patientIdentifiers.length ? result.patientIdentifiers.join(', ') : 'none';
      if (matches.length === 0) return { inbox: `no patient at site ${siteId} has the identifier the result gives (${given})` };
      if (matches.length > 1) return { inbox: `${matches.length} patients at site ${siteId} have the identifiers the result gives (${given})` };
      patientId = matches[0];
    }
    const labCode = chosen.labCode ?? found.mappedCode ?? (result.code.system === LOINC_SYSTEM ? labCodeForLoinc(result.code.code) : undefined);
    if (!labCode)
      return {
        inbox: `code ${result.code.code} (${result.code.system}${result.code.text ? `, ${result.code.text}` : ''}) is neither a LOINC code of the catalogue nor mapped for site ${siteId}`,
      };
    const test = labTest(labCode);
    if (!test) return { inbox: `${labCode} is not a test of the catalogue` };
    if (result.problems.length) return { inbox: result.problems.join('; ') };
    if (result.value === undefined) return { inbox: `value "${result.valueText}" is not a number` };
    if (!result.collectedAt) return { inbox: `collection time "${result.collectedText}" cannot be read` };
    const converted = toCanonicalUnit(labCode, test, result.value, result.unit);
    if ('problem' in converted) return { inbox: converted.problem };
    const data = { code: labCode, value: converted.value, unit: converted.unit, collectedAt: result.collectedAt, ...this.rangeIn(labCode, test, result) };
    const outOfBounds = labResultProblems(data);
    if (outOfBounds.length) return { inbox: `${outOfBounds.map((p) => p.message).join('; ')}; sent as ${result.valueText} ${result.unit}` };
    return { apply: { patientId, labCode, data } };
  }

  /** A corrected result names the earlier one it corrects, when it is on record: the same test of the patient collected at the same instant. */
  private async correction(result: IncomingResult, apply: Apply): Promise<Verdict> {
    if (result.status !== 'corrected') return { apply };
    const earlier = await this.repository.latestAccepted(apply.patientId, apply.labCode, apply.data.collectedAt);
    const reason = earlier
      ? `Corrected result (${result.resultStatus}) of seq ${earlier.seq}, which was ${earlier.valueText} ${earlier.unit} (control id ${earlier.controlId})`
      : `Corrected result (${result.resultStatus}); no earlier result of ${apply.labCode} collected at ${apply.data.collectedAt} is on record`;
    return { apply: { ...apply, reason, correctsSeq: earlier?.seq ?? undefined } };
  }

  /** The lab's reference range in the catalogue's unit, converted as the value was; left out when a limit does not convert. */
  private rangeIn(labCode: string, test: LabTest, result: IncomingResult): { referenceRange?: { low?: number; high?: number } } {
    const range = result.referenceRange;
    if (!range) return {};
    const convert = (limit: number | undefined) => {
      if (limit === undefined) return undefined;
      const converted = toCanonicalUnit(labCode, test, limit, result.unit);
      return 'problem' in converted ? null : converted.value;
    };
    const [low, high] = [convert(range.low), convert(range.high)];
    if (low === null || high === null) return {};
    return { referenceRange: { ...(low !== undefined ? { low } : {}), ...(high !== undefined ? { high } : {}) } };
  }

  /** The open inbox items and those already settled, of the actor's sites only. */
  async inbox(actor: Actor, filter: { status?: 'open' | 'resolved' | 'rejected'; limit: number; offset: number }) {
    const [items, total] = await this.repository.inbox({ siteIds: actor.siteIds, ...filter });
    return { items: items.map(inboxView), total, limit: filter.limit, offset: filter.offset };
  }

  /**
   * Resolves an inbox item as a person decides: applied (to the patient named, under the code named,
   * each optionally saved for the site) or rejected with a reason. The event names the person and
   * the item; the item keeps who resolved it and how. A resolution that still leaves something wrong
   * is refused (422) with what, and the item stays open.
   */
  async resolve(itemId: string, resolution: InboxResolution, actor: Actor) {
    const item = await this.repository.result(itemId);
    if (!item || item.outcome !== 'inbox' || !canSeeSite(actor, item.siteId)) throw new NotFoundError(`Inbox item ${itemId} does not exist.`);
    if (item.inboxStatus !== 'open') throw new RefusedError('Resolution refused', [`inbox item ${itemId} is already ${item.inboxStatus}`]);
    const now = this.clock.now().toISOString();
    const by = { resolvedBy: actor.id, resolvedAt: now };
    if (resolution.action === 'reject') {
      if (!(await this.repository.closeInboxItem(itemId, { ...by, inboxStatus: 'rejected', resolution: `rejected: ${resolution.reason}` }))) {
        throw new RefusedError('Resolution refused', [`inbox item ${itemId} was resolved meanwhile`]);
      }
      return { ...inboxView({ ...item, ...by, inboxStatus: 'rejected', resolution: `rejected: ${resolution.reason}` }) };
    }
    if (resolution.patientId && (await this.repository.patientSite(resolution.patientId)) !== item.siteId) {
      throw new NotFoundError(`Patient ${resolution.patientId} does not exist at site ${item.siteId}.`);
    }
    if (resolution.labCode && !labTest(resolution.labCode)) throw new RefusedError('Resolution refused', [`${resolution.labCode} is not a lab code of the catalogue`]);
    const incoming = incomingOf(item);
    const [found] = await this.repository.lookUp([{ siteId: item.siteId, controlId: item.controlId, identifiers: item.patientIdentifiers, code: incoming.code }]);
    const judged = this.judge(item.siteId, incoming, found, { patientId: resolution.patientId, labCode: resolution.labCode });
    const verdict = 'apply' in judged ? await this.correction(incoming, judged.apply) : judged;
    if ('inbox' in verdict) {
      await this.repository.setInboxReason(itemId, verdict.inbox);
      throw new RefusedError('Resolution refused', [verdict.inbox]);
    }
    const how = [resolution.patientId ? `matched to patient ${resolution.patientId}` : undefined, resolution.labCode ? `mapped to ${resolution.labCode}` : undefined]
      .filter(Boolean)
      .join(', ');
    const note = `Lab result from the integration inbox (control id ${item.controlId})${how ? `, ${how}` : ''} by ${actor.name}`;
    const apply = { ...verdict.apply, reason: verdict.apply.reason ? `${verdict.apply.reason}. ${note}` : note };
    const { row: applied, replayed } = await this.applyOrHold(item, { apply }, actor);
    if (replayed || !applied || applied.outcome !== 'accepted') {
      const why = replayed ? 'the result was already recorded' : (applied?.reason ?? 'refused');
      await this.repository.setInboxReason(itemId, why);
      throw new RefusedError('Resolution refused', [why]);
    }
    const resolved = {
      ...by,
      inboxStatus: 'resolved' as const,
      resolution: how || 'applied as sent',
      patientId: applied.patientId,
      labCode: applied.labCode,
      collectedAt: applied.collectedAt,
      seq: applied.seq,
      correctsSeq: applied.correctsSeq,
    };
    await this.repository.closeInboxItem(itemId, resolved);
    const saved = { createdBy: actor.id, createdAt: now };
    if (resolution.saveMapping && resolution.labCode)
      await this.repository.saveMapping({ siteId: item.siteId, codeSystem: item.codeSystem, code: item.code, labCode: resolution.labCode, ...saved });
    if (resolution.saveIdentifiers && resolution.patientId) await this.repository.saveIdentifiers(item.siteId, item.patientIdentifiers, resolution.patientId, saved);
    return inboxView({ ...item, ...resolved });
  }

  /** Saves a site's mapping of one of its own codes to a catalogue code. */
  async saveMapping(mapping: { siteId: string; codeSystem: string; code: string; labCode: string }, actor: Actor): Promise<void> {
    if (!canSeeSite(actor, mapping.siteId)) throw new NotFoundError(`Site ${mapping.siteId} is not one of yours.`);
    if (!labTest(mapping.labCode)) throw new RefusedError('Mapping refused', [`${mapping.labCode} is not a lab code of the catalogue`]);
    await this.repository.saveMapping({ ...mapping, createdBy: actor.id, createdAt: this.clock.now().toISOString() });
  }

  async mappings(actor: Actor) {
    return (await this.repository.mappings(actor.siteIds)).map(({ id: _id, ...mapping }) => mapping);
  }

  /** The messages received for the actor's sites, newest first, with their outcomes (the raw bytes stay in the database). */
  async messages(actor: Actor, page: { limit: number; offset: number }) {
    const [rows, total] = await this.repository.messages({ siteIds: actor.siteIds, ...page });
    return { items: rows.map(({ rawBase64: _raw, rawTruncated, ...row }) => ({ ...row, rawTruncated: rawTruncated === 1 })), total, ...page };
  }

  private messageRow(message: ReceivedMessage, sender: Actor, outcome: Pick<LabMessageEntity, 'acknowledgement' | 'outcome' | 'reason' | 'results'>): LabMessageEntity {
    const truncated = message.raw.length > KEPT_BYTES_OF_OVERSIZED && outcome.outcome === 'rejected';
    return {
      id: randomUUID(),
      channel: message.channel,
      siteId: message.siteId && canSeeSite(sender, message.siteId) ? message.siteId : null,
      controlId: message.controlId?.slice(0, 200) ?? null,
      receivedAt: this.clock.now().toISOString(),
      receivedBy: sender.id,
      sizeBytes: message.raw.length,
      sha256: createHash('sha256').update(message.raw).digest('hex'),
      rawBase64: (truncated ? message.raw.subarray(0, KEPT_BYTES_OF_OVERSIZED) : message.raw).toString('base64'),
      rawTruncated: truncated ? 1 : 0,
      ...outcome,
    };
  }

  private resultRow(messageId: string, siteId: string, result: IncomingResult): LabResultEntity {
    return {
      id: randomUUID(),
      messageId,
      siteId,
      controlId: result.controlId,
      outcome: 'inbox',
      inboxStatus: null,
      reason: null,
      patientIdentifiers: result.patientIdentifiers,
      codeSystem: result.code.system.slice(0, 100),
      code: result.code.code.slice(0, 100),
      codeText: result.code.text?.slice(0, 200) || null,
      valueText: result.valueText.slice(0, 100),
      unit: result.unit.slice(0, 100),
      collectedText: result.collectedText.slice(0, 40),
      resultStatus: result.resultStatus.slice(0, 20),
      patientId: null,
      labCode: null,
      collectedAt: result.collectedAt ?? null,
      seq: null,
      correctsSeq: null,
      receivedAt: this.clock.now().toISOString(),
      resolvedBy: null,
      resolvedAt: null,
      resolution: null,
    };
  }
}

/**
 * The patients a result's identifiers name. A saved identifier goes before a subject id only where
 * every patient it names also has that subject id (a rollover: the follow-up's patient registered
 * under the parent's subject id, which the site saved for it); otherwise every patient either names
 * is a match, and two are two (the inbox), never a guess between them.
 */
function matchedPatients(found: Pick<LookUp, 'patientIds' | 'savedPatientIds'>): string[] {
  const { patientIds, savedPatientIds } = found;
  if (savedPatientIds.length && savedPatientIds.every((id) => patientIds.includes(id))) return savedPatientIds;
  return [...new Set([...savedPatientIds, ...patientIds])];
}

/** The message's outcome from its results': AA when every result was recorded (now or before), AE when one went to the inbox. */
function messageOutcome(outcomes: ResultOutcome[]): Pick<LabMessageEntity, 'acknowledgement' | 'outcome'> {
  const kinds = new Set(outcomes.map((o) => o.outcome));
  const outcome = kinds.size === 1 ? [...kinds][0] : kinds.size === 0 ? 'rejected' : 'mixed';
  const acknowledgement = outcomes.every((o) => o.outcome === 'accepted' || o.outcome === 'duplicate') ? 'AA' : 'AE';
  return { acknowledgement, outcome };
}

/** The engine's idempotency key of a result: visible ASCII of at most 200 characters, whatever the control id holds. */
function idempotencyKey(siteId: string, controlId: string): string {
  const key = `lab:${siteId}:${controlId}`;
  return /^[\x21-\x7e]{1,200}$/.test(key) ? key : `lab:${createHash('sha256').update(key).digest('hex')}`;
}

/** A refusal in one sentence: the error's message, or its reasons. */
function refusal(error: DomainError): string {
  const issues = (error.details.issues ?? error.details.reasons) as string[] | undefined;
  return issues?.length && !error.message.includes(issues[0]) ? `${error.message} ${issues.join('; ')}` : error.message;
}

/** The result as the inbox kept it, read again for a resolution. */
function incomingOf(item: LabResultEntity): IncomingResult {
  const value = Number(item.valueText);
  return {
    controlId: item.controlId,
    patientIdentifiers: item.patientIdentifiers,
    code: { system: item.codeSystem, code: item.code, ...(item.codeText ? { text: item.codeText } : {}) },
    valueText: item.valueText,
    ...(item.valueText.trim() !== '' && Number.isFinite(value) ? { value } : {}),
    unit: item.unit,
    collectedText: item.collectedText,
    ...(item.collectedAt ? { collectedAt: item.collectedAt } : {}),
    resultStatus: item.resultStatus,
    status: ['F', 'final'].includes(item.resultStatus) ? 'final' : ['C', 'corrected', 'amended'].includes(item.resultStatus) ? 'corrected' : 'other',
    problems: [],
  };
}

export type InboxItemView = ReturnType<typeof inboxView>;

function inboxView(item: LabResultEntity) {
  return {
    id: item.id,
    siteId: item.siteId,
    controlId: item.controlId,
    status: item.inboxStatus,
    reason: item.reason,
    receivedAt: item.receivedAt,
    patientIdentifiers: item.patientIdentifiers,
    code: { system: item.codeSystem, code: item.code, text: item.codeText },
    value: item.valueText,
    unit: item.unit,
    collected: item.collectedText,
    resultStatus: item.resultStatus,
    patientId: item.patientId,
    labCode: item.labCode,
    seq: item.seq,
    resolvedBy: item.resolvedBy,
    resolvedAt: item.resolvedAt,
    resolution: item.resolution,
  };
}

export type { LabOutcome };
