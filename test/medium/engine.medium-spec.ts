import { ENTRY_WATCH_TIMERS } from '#protocols';
import { eligibleCd19Screening, thaw, toRelease, toSiteStorage } from '#testing';
import {
  AlreadyExistsError,
  type ApplyEventCommand,
  GENESIS_HASH,
  IdempotencyKeyReusedError,
  OutboxEntity,
  PatientEntity,
  PatientEventEntity,
  TimerEntity,
  VersionConflictError,
  verifyChain,
} from '#domain';
import { LOCK_FREE } from '../../libs/domain/src/persistence/event-writer';
import { COORDINATOR, INVESTIGATOR, type MediumEngine, mediumEngine } from './medium-engine';

const DAY = 24 * 3600 * 1000;

describe.each(['postgres', 'sqlite'] as const)('the engine and its repositories on %s', (kind) => {
  let m: MediumEngine;
  let subjects = 0;

  beforeAll(async () => {
    m = await mediumEngine(kind);
  });
  afterAll(() => m.close());

  const register = (subjectId = `A-${++subjects}`) =>
    m.engine.register({ protocolId: 'cd19-rr-all', subjectId, siteId: 'site-a', patient: { sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 } }, COORDINATOR);
  const apply = (patientId: string, command: ApplyEventCommand, actor = COORDINATOR) => m.engine.apply(patientId, command, actor);
  const row = (id: string) => m.dataSource.getRepository(PatientEntity).findOneByOrFail({ id });
  const logOf = (patientId: string) => m.dataSource.getRepository(PatientEventEntity).find({ where: { patientId }, order: { seq: 'ASC' } });
  /** The patient's timers of the infusion and after: the custody watches, settled by the receipt and the infusion, left aside (test/custody.e2e-spec.ts has them). */
  const timersOf = async (patientId: string) =>
    (await m.dataSource.getRepository(TimerEntity).find({ where: { patientId }, order: { dueAt: 'ASC', id: 'ASC' } })).filter((t) => !ENTRY_WATCH_TIMERS.includes(t.sendId));
  const outboxOf = (patientId: string) => m.dataSource.getRepository(OutboxEntity).find({ where: { patientId }, order: { id: 'ASC' } });

  /** Registration through the infusion (Day 0 now), the eligibility signed by the investigator. */
  async function infused(): Promise<string> {
    const { patient } = await register();
    const { screening, attestations } = eligibleCd19Screening();
    await apply(patient.id, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' } });
    await apply(patient.id, { type: 'SCREENING_DATA_RECORDED', data: screening });
    const meaning = 'I confirm this patient is eligible';
    const signature = { meaning, authenticate: async () => ({ signerId: INVESTIGATOR.id, signerName: INVESTIGATOR.name, meaning }) };
    await apply(patient.id, { type: 'ELIGIBILITY_CONFIRMED', data: { attestations }, signature }, INVESTIGATOR);
    await apply(patient.id, { type: 'ENROLLED' });
    const coi = (await row(patient.id)).snapshot as unknown as { context: { enrollment: { coi: string } } };
    // The chain of custody to the site, lymphodepletion, the thaw.
    for (const [type, data] of [...toRelease(coi.context.enrollment.coi), ...toSiteStorage(coi.context.enrollment.coi)]) await apply(patient.id, { type, data });
    for (const type of ['LYMPHODEPLETION_STARTED', 'LYMPHODEPLETION_COMPLETED']) await apply(patient.id, { type });
    const [thawType, thawData] = thaw(coi.context.enrollment.coi);
    await apply(patient.id, { type: thawType, data: thawData });
    // The bedside check: the coordinator records it, the investigator witnesses and signs.
    const witness = { actor: INVESTIGATOR, authenticate: async () => ({ signerId: INVESTIGATOR.id, signerName: INVESTIGATOR.name, meaning }) };
    await apply(patient.id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg: 7e6, bedsideCheck: { bagCoi: coi.context.enrollment.coi } }, witness });
    return patient.id;
  }

  it('registers a patient: its row at version 1 and the first entry of its chain, through the same writer as every event', async () => {
    const answer = await register('REG-1');
    expect(answer).toMatchObject({ seq: 1, replayed: false, patient: { state: 'screening', version: 1 } });
    const [entry, ...more] = await logOf(answer.patient.id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ seq: 1, type: 'PATIENT_REGISTERED', actor: COORDINATOR.id, prevHash: GENESIS_HASH });
    expect(await row(answer.patient.id)).toMatchObject({ version: 1, lastSeq: 1, lastHash: entry.hash, subjectId: 'REG-1', status: 'active' });
    expect(verifyChain([entry])).toBeNull();
  });

  it('refuses a subject registered twice, also when both registrations race, and writes one patient', async () => {
    const outcomes = await Promise.allSettled([register('TWICE'), register('TWICE')]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(AlreadyExistsError);
    await expect(register('TWICE')).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(await m.dataSource.getRepository(PatientEntity).countBy({ subjectId: 'TWICE' })).toBe(1);
  });

  it('applies an event: the row moves on one version and the new entry links to the one before', async () => {
    const { patient } = await register();
    const answer = await apply(patient.id, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' } });
    expect(answer).toMatchObject({ seq: 2, patient: { version: 2 } });
    const log = await logOf(patient.id);
    expect(log.map((e) => e.seq)).toEqual([1, 2]);
    expect(log[1]).toMatchObject({ type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' }, prevHash: log[0].hash });
    expect(log[1].hash).not.toBe(log[0].hash);
    expect(verifyChain(log)).toBeNull();
    expect(await row(patient.id)).toMatchObject({ version: 2, lastSeq: 2, lastHash: log[1].hash });
  });

  it('applies racing events on one patient one after the other: every one logged once, the chain unbroken', async () => {
    const { patient } = await register();
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((ecog) => apply(patient.id, { type: 'SCREENING_DATA_RECORDED', data: { ecog: ecog % 3 } })));
    expect(answers.map((a) => a.seq).sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7]);
    const log = await logOf(patient.id);
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(verifyChain(log)).toBeNull();
    expect(await row(patient.id)).toMatchObject({ version: 7, lastSeq: 7, lastHash: log[6].hash });
  });

  it('replays a request with a known idempotency key without writing, and refuses the key with another body', async () => {
    const { patient } = await register();
    const command = { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' }, idempotencyKey: 'consent-once' };
    const first = await apply(patient.id, command);
    const again = await apply(patient.id, command);
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ ...first, replayed: true });
    await expect(apply(patient.id, { ...command, data: { consentVersion: 'v2.0' } })).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect((await logOf(patient.id)).map((e) => e.seq)).toEqual([1, 2]);
    expect(await row(patient.id)).toMatchObject({ version: 2 });
  });

  it('applies the same keyed request sent many times at once exactly once; every other answer is the replay of it', async () => {
    const { patient } = await register();
    const command = { type: 'SCREENING_DATA_RECORDED', data: { ecog: 1 }, idempotencyKey: 'lab-burst-1' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => apply(patient.id, command)));
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    const first = answers.find((a) => !a.replayed)!;
    for (const a of answers.filter((x) => x.replayed)) expect(a).toEqual({ ...first, replayed: true });
    expect((await logOf(patient.id)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('replays a keyed request after the patient moved on, where the same event sent fresh would be refused', async () => {
    const { patient } = await register();
    const consent = { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' }, idempotencyKey: 'consent-then-withdraw' };
    const first = await apply(patient.id, consent);
    await apply(patient.id, { type: 'WITHDRAWN', data: { reason: 'patient decision' } });
    // CONSENT_SIGNED is not accepted after withdrawal; under its key it is the earlier answer again.
    expect(await apply(patient.id, consent)).toEqual({ ...first, replayed: true });
    await expect(apply(patient.id, { ...consent, idempotencyKey: 'consent-fresh' })).rejects.toThrow();
    await expect(apply(patient.id, { ...consent, data: { consentVersion: 'v9' } })).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect((await logOf(patient.id)).map((e) => e.type)).toEqual(['PATIENT_REGISTERED', 'CONSENT_SIGNED', 'WITHDRAWN']);
  });

  it('refuses a stale expected version and writes nothing', async () => {
    const { patient } = await register();
    await apply(patient.id, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' } });
    await expect(apply(patient.id, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.1' }, expectedVersion: 1 })).rejects.toBeInstanceOf(VersionConflictError);
    expect((await logOf(patient.id)).map((e) => e.seq)).toEqual([1, 2]);
    expect(await row(patient.id)).toMatchObject({ version: 2 });
  });

  it('the writer writes nothing at all when the version read has moved on', async () => {
    const { patient } = await register();
    const read = await row(patient.id);
    const [registered] = await logOf(patient.id);
    const entry = { ...registered, seq: 2, type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' }, prevHash: registered.hash, hash: 'f'.repeat(64) };
    const timer: TimerEntity = {
      id: `${patient.id}.2.probe`,
      patientId: patient.id,
      sendId: 'probe',
      eventType: 'VISIT_REMINDER',
      eventData: {},
      dueAt: new Date(Date.now() + DAY).toISOString(),
      status: 'pending',
      createdSeq: 2,
      settledSeq: null,
      settledAt: null,
    };
    const write = {
      expectedVersion: read.version,
      patient: { ...read, version: read.version + 1, lastSeq: 2, lastHash: entry.hash },
      entry,
      timers: [timer],
      outbox: [],
      cancel: [],
    };
    expect(await m.tx.run((manager) => m.writer.write(manager, write))).toEqual({ written: true, cancelledTimerIds: [] });
    // Written as if the row were still at the version read: the version has moved on, so nothing of it may land.
    const stale = {
      ...write,
      patient: { ...write.patient, version: read.version + 2, lastSeq: 3 },
      entry: { ...entry, seq: 3 },
      timers: [{ ...timer, id: `${patient.id}.3.probe`, createdSeq: 3 }],
      cancel: ['probe'],
    };
    expect(await m.tx.run((manager) => m.writer.write(manager, stale))).toEqual({ written: false, cancelledTimerIds: [] });
    if (kind === 'postgres') expect(await m.writer.write(LOCK_FREE, stale)).toEqual({ written: false, cancelledTimerIds: [] });
    expect((await logOf(patient.id)).map((e) => e.seq)).toEqual([1, 2]);
    expect((await timersOf(patient.id)).map((t) => [t.id, t.status])).toEqual([[timer.id, 'pending']]);
    expect(await row(patient.id)).toMatchObject({ version: 2, lastSeq: 2 });
  });

  it('the writer writes nothing at all when the timer an event fires is no longer pending', async () => {
    const { patient } = await register();
    const read = await row(patient.id);
    const [registered] = await logOf(patient.id);
    const entry = { ...registered, seq: 2, type: 'VISIT_REMINDER', actor: 'system:scheduler', data: {}, prevHash: registered.hash, hash: 'e'.repeat(64) };
    const timer: TimerEntity = {
      id: `${patient.id}.1.probe`,
      patientId: patient.id,
      sendId: 'probe',
      eventType: 'VISIT_REMINDER',
      eventData: {},
      dueAt: new Date(Date.now() - DAY).toISOString(),
      status: 'skipped',
      createdSeq: 1,
      settledSeq: null,
      settledAt: new Date().toISOString(),
    };
    await m.dataSource.getRepository(TimerEntity).save(timer);
    const write = {
      expectedVersion: read.version,
      patient: { ...read, version: read.version + 1, lastSeq: 2, lastHash: entry.hash },
      entry,
      firedTimerId: timer.id,
      timers: [],
      outbox: [],
      cancel: 'all' as const,
    };
    // Settled by another firing while this one was planned: the version is right, the timer is not.
    expect(await m.tx.run((manager) => m.writer.write(manager, write))).toEqual({ written: false, cancelledTimerIds: [] });
    if (kind === 'postgres') expect(await m.writer.write(LOCK_FREE, write)).toEqual({ written: false, cancelledTimerIds: [] });
    expect((await logOf(patient.id)).map((e) => e.seq)).toEqual([1]);
    expect(await row(patient.id)).toMatchObject({ version: read.version, lastSeq: 1 });
    expect(await m.dataSource.getRepository(TimerEntity).findOneByOrFail({ id: timer.id })).toMatchObject({ status: 'skipped', settledSeq: null });

    await m.dataSource.getRepository(TimerEntity).update({ id: timer.id }, { status: 'pending', settledAt: null });
    expect(await m.tx.run((manager) => m.writer.write(manager, write))).toEqual({ written: true, cancelledTimerIds: [] });
    expect(await m.dataSource.getRepository(TimerEntity).findOneByOrFail({ id: timer.id })).toMatchObject({ status: 'fired', settledSeq: 2 });
    expect((await logOf(patient.id)).map((e) => e.seq)).toEqual([1, 2]);
  });

  if (kind === 'postgres') {
    it('locks the timer’s row as well as the patient’s to fire it, so a firing committed meanwhile is seen', async () => {
      // Under READ COMMITTED only a locked row is read again when the patient row moved under the
      // statement; a timer row merely joined would still read pending. Held elsewhere, it is busy.
      const patientId = await infused();
      const [first] = await timersOf(patientId);
      m.clock.advanceMs(Date.parse(first.dueAt) - m.clock.now().getTime());
      const before = await row(patientId);
      const held = m.dataSource.createQueryRunner();
      await held.connect();
      await held.startTransaction();
      let attempt: Promise<string> | undefined;
      let answer: string;
      try {
        await held.query('SELECT id FROM timers WHERE id = $1 FOR UPDATE', [first.id]);
        attempt = m.engine.fireTimer(first.id, patientId);
        answer = await Promise.race([attempt, new Promise<string>((r) => setTimeout(() => r('still waiting for the timer row'), 5000))]);
        expect(await row(patientId)).toMatchObject({ version: before.version });
      } finally {
        await held.rollbackTransaction();
        await held.release();
        await attempt?.catch(() => undefined);
      }
      expect(answer).toBe('busy');
      expect(await m.engine.fireTimer(first.id, patientId)).toBe('fired');
      expect(await m.engine.fireTimer(first.id, patientId)).toBe('stale');
    });
  }

  it('writes the infusion’s timers with it and hands them to the queue', async () => {
    const patientId = await infused();
    const timers = await timersOf(patientId);
    const infusion = (await logOf(patientId)).at(-1)!;
    expect(infusion.type).toBe('INFUSION_COMPLETED');
    expect(timers.length).toBeGreaterThan(1);
    for (const t of timers) {
      expect(t).toMatchObject({ status: 'pending', createdSeq: infusion.seq, settledSeq: null });
      expect(t.id).toBe(`${patientId}.${infusion.seq}.${t.sendId}`);
    }
    expect(timers.map((t) => t.eventType)).toContain('DLT_WINDOW_CLOSED');
    const queued = m.queues.timers.added.map((j) => j.opts.jobId);
    // Those due within the horizon (7 days) are queued, the others wait in the database.
    for (const t of timers) expect(queued.includes(`timer-${t.id}`)).toBe(Date.parse(t.dueAt) - m.clock.now().getTime() <= 7 * DAY);
  });

  it('refuses to fire a timer before it is due, leaving it pending, and fires it when it falls due', async () => {
    const patientId = await infused();
    const [first] = await timersOf(patientId);
    const before = await row(patientId);
    const logLength = (await logOf(patientId)).length;
    expect(Date.parse(first.dueAt)).toBeGreaterThan(m.clock.now().getTime() + 1000);

    expect(await m.engine.fireTimer(first.id)).toBe('early');
    // The timer service names when it falls due, so the job can wait until then.
    expect(await m.timers.fire(first.id)).toEqual({ fired: 0, skipped: 0, early: 1, notBefore: first.dueAt });
    expect(await m.dataSource.getRepository(TimerEntity).findOneByOrFail({ id: first.id })).toMatchObject({ status: 'pending', settledSeq: null });
    expect(await row(patientId)).toMatchObject({ version: before.version, lastSeq: before.lastSeq });
    expect(await logOf(patientId)).toHaveLength(logLength);
    expect(await m.metrics.registry.getSingleMetricAsString('cart_timers_settled_total')).toMatch(/outcome="early"} [1-9]/);

    m.clock.advanceMs(Date.parse(first.dueAt) - m.clock.now().getTime());
    expect(await m.engine.fireTimer(first.id)).toBe('fired');
    const fired = (await logOf(patientId)).at(-1)!;
    expect(fired).toMatchObject({ seq: before.lastSeq + 1, type: first.eventType, actor: 'system:scheduler', occurredAt: first.dueAt, prevHash: before.lastHash });
    expect(await m.dataSource.getRepository(TimerEntity).findOneByOrFail({ id: first.id })).toMatchObject({ status: 'fired', settledSeq: fired.seq });
    expect(await m.engine.fireTimer(first.id)).toBe('stale');
    expect(verifyChain(await logOf(patientId))).toBeNull();
  });

  it('fires a patient’s due timers in due order, and cancels every pending one when the patient leaves the study', async () => {
    const patientId = await infused();
    const timers = await timersOf(patientId);
    const [a, b] = timers;
    m.clock.advanceMs(Date.parse(b.dueAt) - m.clock.now().getTime());
    const fired = await m.timers.fire(b.id);
    expect(fired.fired + fired.skipped).toBeGreaterThanOrEqual(2);
    const settled = await timersOf(patientId);
    expect(settled.find((t) => t.id === a.id)!.status).not.toBe('pending');
    expect(settled.find((t) => t.id === b.id)!.status).not.toBe('pending');
    const firedSeqs = settled.filter((t) => t.status === 'fired').map((t) => t.settledSeq!);
    expect(firedSeqs).toEqual([...firedSeqs].sort((x, y) => x - y));

    const pending = settled.filter((t) => t.status === 'pending');
    expect(pending.length).toBeGreaterThan(0);
    const withdrawal = await apply(patientId, { type: 'WITHDRAWN', data: { reason: 'Withdrew consent' } });
    const after = await timersOf(patientId);
    for (const t of pending) {
      expect(after.find((x) => x.id === t.id)).toMatchObject({ status: 'cancelled', settledSeq: withdrawal.seq });
      expect(m.queues.timers.removed).toContain(`timer-${t.id}`);
    }
    expect(after.filter((t) => t.status === 'pending')).toEqual([]);
    expect(verifyChain(await logOf(patientId))).toBeNull();
  });

  it('fires every due timer once while jobs for one patient’s timers race on two workers', async () => {
    // Each job fires its patient's earlier pending timers first (TimerService), so the jobs of one
    // patient's timers, taken by two workers at once, all reach for the same rows. Whoever settles a
    // timer first fires it; the others find it settled and write nothing.
    const patients = [await infused(), await infused(), await infused()];
    m.clock.advanceMs(16 * DAY);
    const now = m.clock.now().toISOString();
    const due = async (patientId: string) => (await timersOf(patientId)).filter((t) => t.dueAt <= now);
    const fireUntilSettled = async (timerId: string) => {
      for (let i = 0; i < 200 && (await m.timers.fire(timerId)).busy; i++) await new Promise((r) => setTimeout(r, 2));
    };
    for (let round = 0; round < 3; round++) {
      const jobs = (await Promise.all(patients.map(due))).flat().filter((t) => t.status === 'pending');
      // Two workers, each with the job of every due timer, taken in opposite orders.
      await Promise.all([...jobs, ...[...jobs].reverse()].map((t) => fireUntilSettled(t.id)));
    }
    for (const patientId of patients) {
      const timers = await due(patientId);
      expect(timers.length).toBeGreaterThanOrEqual(4);
      expect(timers.filter((t) => t.status === 'pending')).toEqual([]);
      const log = await logOf(patientId);
      const scheduled = log.filter((e) => e.actor === 'system:scheduler');
      const fired = timers.filter((t) => t.status === 'fired');
      // One scheduler entry for each fired timer, each settled by its own entry, and nothing written twice.
      expect(fired.map((t) => t.settledSeq).sort((x, y) => x! - y!)).toEqual(scheduled.map((e) => e.seq));
      for (const t of fired) expect(scheduled.find((e) => e.seq === t.settledSeq)).toMatchObject({ type: t.eventType, occurredAt: t.dueAt });
      const names = scheduled.map((e) => `${e.type}/${JSON.stringify(e.data)}`);
      expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
      expect(verifyChain(log)).toBeNull();
    }
  });

  it('writes outbox rows with their event and delivers each once', async () => {
    const { patient } = await register();
    expect(await outboxOf(patient.id)).toEqual([]);
    const withdrawal = await apply(patient.id, { type: 'WITHDRAWN', data: { reason: 'Moved away' } });
    const rows = await outboxOf(patient.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: `${patient.id}.${withdrawal.seq}.0`,
      kind: 'withdrawal',
      status: 'pending',
      attempts: 0,
      seq: withdrawal.seq,
      payload: { message: 'Withdrawn from the study: Moved away', patientId: patient.id, siteId: 'site-a' },
    });
    expect(rows[0].createdAt).toBe((await logOf(patient.id)).at(-1)!.recordedAt);
    expect(m.queues.outbox.added.map((j) => j.opts.jobId)).toContain(`outbox-${rows[0].id}`);
    expect(await m.relay.deliver(rows[0].id)).toBe(true);
    expect(await m.relay.deliver(rows[0].id)).toBe(false);
    const [delivered] = await outboxOf(patient.id);
    expect(delivered).toMatchObject({ id: rows[0].id, status: 'delivered', attempts: 1 });
    expect(delivered.deliveredAt).not.toBeNull();
  });
});
