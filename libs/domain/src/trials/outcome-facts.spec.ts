import { Logger } from '@nestjs/common';
import { readPatient, trialRulesOf } from '#protocols';
import { loadConfig } from '../config/config';
import { Metrics } from '../metrics';
import type { OutcomeFactsEntity } from '../persistence/entities';
import type { StoredLogEntry } from '../persistence/stored-rows';
import { OutcomeFacts, outcomeLog, readingFor } from './outcome-facts';
import type { OutcomeFactsRows, OutcomeRowHead, OutcomeRowText, ReadPatient } from './outcome-facts-rows';

const RULES = trialRulesOf('cd20-cd22')!;
const AS_OF = '2026-06-01T00:00:00.000Z';

/** A registration and a visit: a patient with something to read (the visit is contact). */
function logOf(day: number): StoredLogEntry[] {
  const at = (d: number) => new Date(Date.UTC(2026, 0, 1 + d, 10)).toISOString();
  const entry = (seq: number, type: string, data: unknown, occurredAt: string) => ({ seq, type, data, occurredAt, recordedAt: occurredAt, actor: 'user:c', actorName: 'C' });
  return [entry(1, 'PATIENT_REGISTERED', { birthDate: '1970-01-01' }, at(day)), entry(2, 'VISIT_COMPLETED', { visit: 'W4' }, at(day + 28))];
}

/** `outcome_facts` in memory, with what each statement was asked. */
class FakeTable {
  readonly rows = new Map<string, OutcomeFactsEntity>();
  /** The patients of each store, in the order written. */
  readonly stores: string[][] = [];
  /** The patients whose stored reading (not only its head) was read. */
  readonly readingsRead: string[] = [];

  constructor(
    readonly patients: Array<ReadPatient & { protocolId: string }>,
    readonly logs: Map<string, StoredLogEntry[]>,
  ) {}

  async heads(ids: readonly string[]): Promise<Map<string, OutcomeRowHead>> {
    return new Map(this.present(ids).map((r) => [r.patientId, { seq: r.seq, rulesKey: r.rulesKey, cohort: r.cohort, through: r.through, size: Buffer.byteLength(r.reading) }]));
  }

  async texts(ids: readonly string[], column: 'fold' | 'reading'): Promise<Map<string, OutcomeRowText>> {
    if (column === 'reading') this.readingsRead.push(...this.present(ids).map((r) => r.patientId));
    return new Map(this.present(ids).map((r) => [r.patientId, { seq: r.seq, rulesKey: r.rulesKey, cohort: r.cohort, through: r.through, text: r[column] }]));
  }

  async logsAfter(ids: readonly string[], after: ReadonlyMap<string, number>): Promise<Map<string, StoredLogEntry[]>> {
    return new Map(ids.map((id) => [id, (this.logs.get(id) ?? []).filter((e) => e.seq > (after.get(id) ?? 0))]));
  }

  async behind(protocolId: string, rulesKey: string, limit: number): Promise<ReadPatient[]> {
    return this.patients
      .filter((p) => p.protocolId === protocolId)
      .filter((p) => {
        const row = this.rows.get(p.id);
        return !row || row.seq < p.lastSeq || row.rulesKey !== rulesKey || row.cohort !== p.cohort;
      })
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }

  async store(rows: readonly OutcomeFactsEntity[]): Promise<void> {
    this.stores.push(rows.map((r) => r.patientId));
    for (const row of rows) this.rows.set(row.patientId, { ...row });
  }

  private present(ids: readonly string[]) {
    return ids.flatMap((id) => this.rows.get(id) ?? []);
  }
}

/** `count` patients of the trial, listed in no order of their ids. */
function build({ count = 5, env = {} as Record<string, string> } = {}) {
  const ids = Array.from({ length: count }, (_, i) => `p-${String((i * 37) % count).padStart(4, '0')}`);
  const patients = ids.map((id) => ({ id, cohort: 'B-NHL', siteId: 'site-a', lastSeq: 2, protocolId: RULES.id }));
  const table = new FakeTable(patients, new Map(ids.map((id, i) => [id, logOf(i % 30)])));
  const metrics = new Metrics();
  const sut = new OutcomeFacts(table as unknown as OutcomeFactsRows, loadConfig(env), metrics);
  const taken = async () => {
    const values = (await metrics.outcomeReadings.get()).values;
    return Object.fromEntries(['memo', 'row', 'fold'].map((from) => [from, values.find((v) => v.labels.from === from)?.value ?? 0]));
  };
  const kept = async () => (await metrics.outcomeReadingsKept.get()).values[0]?.value ?? 0;
  return { sut, mocks: { table, patients, taken, kept } };
}

describe('OutcomeFacts', () => {
  it('stores the rows it folds in the order of their patient ids, within and across statements, whatever order the patients came in', async () => {
    const { sut, mocks } = build({ count: 120 });
    expect(mocks.patients.map((p) => p.id)).not.toEqual(mocks.patients.map((p) => p.id).sort());
    await sut.readings(RULES, mocks.patients, AS_OF);
    const sorted = mocks.patients.map((p) => p.id).sort();
    // Each statement in order (its rows are locked in that order), and the statements one after another.
    for (const store of mocks.table.stores) expect(store).toEqual([...store].sort());
    expect(mocks.table.stores.flat()).toEqual(sorted);
    expect(mocks.table.stores.length).toBeGreaterThan(1);
    // The worker's beat likewise.
    mocks.table.rows.clear();
    mocks.table.stores.length = 0;
    expect(await sut.catchUp()).toBe(120);
    for (const store of mocks.table.stores) expect(store).toEqual([...store].sort());
    expect(mocks.table.stores.flat()).toEqual(sorted);
  });

  it('keeps the readings a request folded or read, and takes them from memory on the next request without parsing a row', async () => {
    const { sut, mocks } = build();
    const first = await sut.readings(RULES, mocks.patients, AS_OF);
    expect(first.size).toBe(5);
    expect(await mocks.taken()).toEqual({ memo: 0, row: 0, fold: 5 });
    expect(await mocks.kept()).toBe(5);
    const second = await sut.readings(RULES, mocks.patients, AS_OF);
    expect(second).toEqual(first);
    expect(await mocks.taken()).toEqual({ memo: 5, row: 0, fold: 5 });
    expect(mocks.table.readingsRead).toEqual([]);
  });

  it('keeps nothing on the worker beat: the rows it folds are parsed by the first request that reads them', async () => {
    const { sut, mocks } = build();
    expect(await sut.catchUp()).toBe(5);
    expect(await mocks.kept()).toBe(0);
    expect(await mocks.taken()).toEqual({ memo: 0, row: 0, fold: 0 });
    const read = await sut.readings(RULES, mocks.patients, AS_OF);
    expect(read.size).toBe(5);
    // Nothing was behind (the beat folded every row), and nothing was in memory.
    expect(await mocks.taken()).toEqual({ memo: 0, row: 5, fold: 0 });
    expect(mocks.table.readingsRead.sort()).toEqual(mocks.patients.map((p) => p.id).sort());
    expect(await mocks.kept()).toBe(5);
    // A later beat with nothing behind keeps what the request kept, and adds nothing.
    expect(await sut.catchUp()).toBe(0);
    expect(await mocks.kept()).toBe(5);
  });

  it('with OUTCOMES_MEMO_PATIENTS=0 keeps nothing and parses every row on every request, with the same answer', async () => {
    const { sut, mocks } = build({ env: { OUTCOMES_MEMO_PATIENTS: '0' } });
    const first = await sut.readings(RULES, mocks.patients, AS_OF);
    const second = await sut.readings(RULES, mocks.patients, AS_OF);
    expect(second).toEqual(first);
    expect(await mocks.kept()).toBe(0);
    expect(await mocks.taken()).toEqual({ memo: 0, row: 5, fold: 5 });
  });

  it('with OUTCOMES_MEMO_PATIENTS=1 keeps the patient read last, parses the others again, with the same answer', async () => {
    const { sut, mocks } = build({ env: { OUTCOMES_MEMO_PATIENTS: '1' } });
    const first = await sut.readings(RULES, mocks.patients, AS_OF);
    expect(await mocks.kept()).toBe(1);
    const second = await sut.readings(RULES, mocks.patients, AS_OF);
    expect(second).toEqual(first);
    expect(await mocks.taken()).toEqual({ memo: 1, row: 4, fold: 5 });
    // The one kept is the last folded (the highest id); the others were parsed, each pushing out the one before.
    const last = mocks.patients.map((p) => p.id).sort()[4];
    expect(mocks.table.readingsRead.sort()).toEqual(
      mocks.patients
        .map((p) => p.id)
        .filter((id) => id !== last)
        .sort(),
    );
    expect(await mocks.kept()).toBe(1);
  });

  it('answers a read whose rows cannot be stored as if they had been, logs the failure once, and keeps none of them', async () => {
    const stored = build({ count: 120 });
    const expected = await stored.sut.readings(RULES, stored.mocks.patients, AS_OF);
    const { sut, mocks } = build({ count: 120 });
    const refused = new Error('canceling statement due to lock timeout');
    const store = jest.spyOn(mocks.table, 'store').mockRejectedValue(refused);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      expect(await sut.readings(RULES, mocks.patients, AS_OF)).toEqual(expected);
      // Tried once (the first batch), not once per batch; told once, with the error.
      expect(store).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatchObject({ err: refused, protocolId: RULES.id, patients: 120 });
      expect(mocks.table.rows.size).toBe(0);
      expect(await mocks.kept()).toBe(0);
      // The next read folds them again, and stores them once the table takes them.
      store.mockRestore();
      expect(await sut.readings(RULES, mocks.patients, AS_OF)).toEqual(expected);
      expect(mocks.table.rows.size).toBe(120);
      expect(await mocks.taken()).toEqual({ memo: 0, row: 0, fold: 240 });
    } finally {
      warn.mockRestore();
    }
  });

  it('fails the worker beat when its rows cannot be stored, for the next beat to try again', async () => {
    const { sut, mocks } = build();
    jest.spyOn(mocks.table, 'store').mockRejectedValueOnce(new Error('cannot execute INSERT in a read-only transaction'));
    await expect(sut.catchUp()).rejects.toThrow('read-only transaction');
    expect(mocks.table.rows.size).toBe(0);
    expect(await sut.catchUp()).toBe(5);
  });

  it('grades the ICAHT of a kept reading as of each study day it is read on, as the whole log does', async () => {
    const { sut, mocks } = build({ count: 1 });
    const patient = mocks.patients[0];
    const on = (d: number) => new Date(Date.UTC(2026, 2, 1 + d, 10)).toISOString();
    const entry = (seq: number, type: string, data: unknown, d: number) => ({ seq, type, data, occurredAt: on(d), recordedAt: on(d), actor: 'user:c', actorName: 'C' });
    // Infused on Day 0, one count below 0.5 on Day 1 and none since: the neutropenia may last as long as the date read.
    const log = [
      entry(1, 'PATIENT_REGISTERED', { birthDate: '1970-01-01' }, -30),
      entry(2, 'INFUSION_COMPLETED', { cellsPerKg: 2e6 }, 0),
      entry(3, 'LAB_RESULT_RECORDED', { code: 'ANC', compartment: 'PB', value: 0.3, unit: '10^9/L', collectedAt: on(1) }, 1),
    ];
    mocks.table.logs.set(patient.id, log);
    const patients = [{ ...patient, lastSeq: 3 }];
    const wholeLog = (asOf: string) => {
      const reading = readPatient(RULES, { ...outcomeLog(patient, log, true), site: patient.siteId }, asOf);
      return 'facts' in reading ? reading.facts.icaht : reading;
    };
    const graded: unknown[] = [];
    for (const d of [3, 17, 3, 40]) {
      const stored = (await sut.readings(RULES, patients, on(d))).get(patient.id)!;
      const reading = readingFor(stored, patient, true, on(d));
      expect('facts' in reading && reading.facts.icaht).toEqual(wholeLog(on(d)));
      graded.push('facts' in reading && reading.facts.icaht);
    }
    expect(graded[0]).not.toEqual(graded[1]);
    expect(graded[1]).not.toEqual(graded[3]);
    // Folded once, then read three times from memory: the same kept reading, on three study days.
    expect(await mocks.taken()).toEqual({ memo: 3, row: 0, fold: 1 });
  });

  it('keeps readings frozen through, whether folded or parsed from a row, so what is cached of them cannot go stale', async () => {
    const { sut, mocks } = build({ count: 2, env: { OUTCOMES_MEMO_PATIENTS: '0' } });
    for (let read = 0; read < 2; read++) {
      const readings = await sut.readings(RULES, mocks.patients, AS_OF);
      for (const stored of readings.values()) {
        expect(Object.isFrozen(stored)).toBe(true);
        expect('facts' in stored.reading && Object.isFrozen(stored.reading.facts.labs)).toBe(true);
        expect(Object.isFrozen(stored.issues)).toBe(true);
      }
    }
    expect(await mocks.taken()).toEqual({ memo: 0, row: 2, fold: 2 });
  });
});
