import type { WorkflowEngine } from '../engine/workflow-engine';
import { EventNotAcceptedError } from '../errors';
import type { Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import type { IncomingResult, ReceivedMessage } from './incoming-result';
import type { LabIntakeRepository } from './lab-intake-repository';
import { LabIntakeService } from './lab-intake-service';

const clock: Clock = { now: () => new Date('2026-12-04T10:00:00.000Z') };
const lab: Actor = { id: 'user:lab-a', name: 'Lab of SITE-A', role: 'lab', siteIds: ['SITE-A'] };
const message: ReceivedMessage = { channel: 'hl7-mllp', raw: Buffer.from('MSH|…'), siteId: 'SITE-A', controlId: 'MSG1' };

function result(overrides: Partial<IncomingResult> = {}): IncomingResult {
  return {
    controlId: 'MSG1-1',
    patientIdentifiers: ['SITE-A-S001'],
    code: { system: 'LN', code: '751-8' },
    valueText: '4.2',
    value: 4.2,
    unit: '10*3/uL',
    collectedText: '20261204080000+0000',
    collectedAt: '2026-12-04T08:00:00.000Z',
    resultStatus: 'F',
    status: 'final',
    problems: [],
    ...overrides,
  };
}

/** What the look-up finds for each result, unless a test says otherwise. */
let found = { duplicate: false, patientIds: ['p-1'], savedPatientIds: [] as string[] };
beforeEach(() => {
  found = { duplicate: false, patientIds: ['p-1'], savedPatientIds: [] };
});

/** The message and result rows a test's one message was recorded with. */
const recorded = (mocks: Mocks) => {
  expect(mocks.repository.record).toHaveBeenCalledTimes(1);
  const [[entry]] = mocks.repository.record.mock.calls[0] as unknown as [[{ message: unknown; results: unknown[] }]];
  return entry;
};

function build() {
  const repository = {
    // Every result row written, as the database answers when none was there before.
    record: jest.fn((entries: Array<{ results: Array<{ id: string }> }>) => Promise.resolve(entries.map((e) => new Set(e.results.map((r) => r.id))))),
    setMessageOutcome: jest.fn().mockResolvedValue(undefined),
    lookUp: jest.fn((requests: unknown[]) => Promise.resolve(requests.map(() => ({ ...found })))),
    latestAccepted: jest.fn().mockResolvedValue(null),
  };
  const engine = { apply: jest.fn().mockResolvedValue({ seq: 9, replayed: false }) };
  const sut = new LabIntakeService(repository as unknown as LabIntakeRepository, engine as unknown as WorkflowEngine, clock);
  return { sut, mocks: { repository, engine } };
}

type Mocks = ReturnType<typeof build>['mocks'];

describe('LabIntakeService', () => {
  it('applies a matched LOINC result in the catalogue unit, keyed by site and control id, and records the message', async () => {
    const { sut, mocks } = build();
    const { outcomes } = await sut.receive(message, [result()], lab);
    expect(outcomes).toEqual([{ controlId: 'MSG1-1', outcome: 'accepted', seq: 9 }]);
    expect(mocks.engine.apply).toHaveBeenCalledWith(
      'p-1',
      { type: 'LAB_RESULT_RECORDED', data: { code: 'ANC', value: 4.2, unit: '10^9/L', collectedAt: '2026-12-04T08:00:00.000Z' }, idempotencyKey: 'lab:SITE-A:MSG1-1' },
      lab,
    );
    expect(recorded(mocks)).toEqual({
      message: expect.objectContaining({ acknowledgement: 'AA', outcome: 'accepted', siteId: 'SITE-A' }),
      results: [expect.objectContaining({ outcome: 'accepted', seq: 9, labCode: 'ANC', patientId: 'p-1' })],
    });
    expect(mocks.repository.setMessageOutcome).not.toHaveBeenCalled();
  });

  it('writes nothing for a control id seen before', async () => {
    const { sut, mocks } = build();
    found = { duplicate: true, patientIds: ['p-1'], savedPatientIds: [] };
    const { outcomes } = await sut.receive(message, [result()], lab);
    expect(outcomes).toEqual([{ controlId: 'MSG1-1', outcome: 'duplicate' }]);
    expect(mocks.engine.apply).not.toHaveBeenCalled();
    expect(recorded(mocks)).toEqual({ message: expect.objectContaining({ acknowledgement: 'AA', outcome: 'duplicate' }), results: [] });
  });

  it('takes a control id given twice in one message once', async () => {
    const { sut, mocks } = build();
    const { outcomes } = await sut.receive(message, [result(), result({ value: 5, valueText: '5' })], lab);
    expect(outcomes).toEqual([
      { controlId: 'MSG1-1', outcome: 'accepted', seq: 9 },
      { controlId: 'MSG1-1', outcome: 'duplicate' },
    ]);
    expect(mocks.engine.apply).toHaveBeenCalledTimes(1);
    expect(recorded(mocks).results).toHaveLength(1);
  });

  it('keeps the row of a result the engine already had under its key (a resend after a crash), as a duplicate', async () => {
    const { sut, mocks } = build();
    mocks.engine.apply.mockResolvedValue({ seq: 7, replayed: true });
    const { outcomes } = await sut.receive(message, [result()], lab);
    expect(outcomes).toEqual([{ controlId: 'MSG1-1', outcome: 'duplicate' }]);
    expect(recorded(mocks)).toEqual({
      message: expect.objectContaining({ acknowledgement: 'AA', outcome: 'duplicate' }),
      results: [expect.objectContaining({ outcome: 'accepted', seq: 7, patientId: 'p-1' })],
    });
  });

  it('calls a result a duplicate when another connection wrote its row first, and corrects the message', async () => {
    const { sut, mocks } = build();
    mocks.repository.record.mockImplementation((entries) => Promise.resolve(entries.map(() => new Set<string>())));
    const { outcomes } = await sut.receive(message, [result()], lab);
    expect(outcomes).toEqual([{ controlId: 'MSG1-1', outcome: 'duplicate' }]);
    expect(mocks.repository.setMessageOutcome).toHaveBeenCalledWith(expect.any(String), {
      acknowledgement: 'AA',
      outcome: 'duplicate',
      results: [{ controlId: 'MSG1-1', outcome: 'duplicate' }],
    });
  });

  it.each([
    ['no patient', () => (found = { duplicate: false, patientIds: [], savedPatientIds: [] }), result(), 'no patient at site SITE-A'],
    ['two patients', () => (found = { duplicate: false, patientIds: ['p-1', 'p-2'], savedPatientIds: [] }), result(), '2 patients at site SITE-A'],
    ['an unknown code', () => undefined, result({ code: { system: '99LAB', code: 'NEUT' } }), 'neither a LOINC code of the catalogue nor mapped'],
    ['a unit that does not convert', () => undefined, result({ unit: 'g/dL' }), 'cannot be converted'],
    ['a value out of bounds', () => undefined, result({ value: 600, valueText: '600', unit: '10*9/L' }), 'at most 500'],
    ['a preliminary result', () => undefined, result({ resultStatus: 'P', status: 'other' }), 'is not final'],
    ['a time without offset', () => undefined, result({ collectedAt: undefined, problems: ['collection time "20261204080000" has no UTC offset'] }), 'no UTC offset'],
  ])('holds %s in the inbox with the reason, applying nothing', async (_what, arrange, incoming, reason) => {
    const { sut, mocks } = build();
    arrange();
    const { outcomes } = await sut.receive(message, [incoming], lab);
    expect(outcomes).toEqual([{ controlId: 'MSG1-1', outcome: 'inbox', reason: expect.stringContaining(reason) }]);
    expect(mocks.engine.apply).not.toHaveBeenCalled();
    expect(recorded(mocks)).toEqual({ message: expect.objectContaining({ acknowledgement: 'AE' }), results: [expect.objectContaining({ outcome: 'inbox', inboxStatus: 'open' })] });
  });

  it('takes the patient an identifier the site saved names before the patients whose subject id it is (a rollover)', async () => {
    const { sut, mocks } = build();
    found = { duplicate: false, patientIds: ['p-parent', 'p-ltfu'], savedPatientIds: ['p-ltfu'] };
    const { outcomes } = await sut.receive(message, [result()], lab);
    expect(outcomes).toEqual([{ controlId: 'MSG1-1', outcome: 'accepted', seq: 9 }]);
    expect(mocks.engine.apply.mock.calls[0][0]).toBe('p-ltfu');
  });

  it("holds a result the patient's record refuses, with the engine's reason", async () => {
    const { sut, mocks } = build();
    mocks.engine.apply.mockRejectedValue(new EventNotAcceptedError('LAB_RESULT_RECORDED', 'screening', ['CONSENT_SIGNED']));
    const { outcomes } = await sut.receive(message, [result()], lab);
    expect(outcomes[0]).toMatchObject({ outcome: 'inbox', reason: expect.stringContaining('not accepted while the patient is in screening') });
  });

  it('refuses a message for a site the sender may not send for, matching no one', async () => {
    const { sut, mocks } = build();
    const { refused, outcomes } = await sut.receive({ ...message, siteId: 'SITE-B' }, [result()], lab);
    expect(refused).toContain('SITE-B is not a site this sender may send results for');
    expect(outcomes).toEqual([]);
    expect(mocks.repository.lookUp).not.toHaveBeenCalled();
    expect(mocks.engine.apply).not.toHaveBeenCalled();
    expect(recorded(mocks)).toEqual({ message: expect.objectContaining({ acknowledgement: 'AR', outcome: 'rejected', siteId: null }), results: [] });
  });

  it('records a corrected result with a reason naming the result it corrects', async () => {
    const { sut, mocks } = build();
    mocks.repository.latestAccepted.mockResolvedValue({ seq: 4, valueText: '4.0', unit: '10*3/uL', controlId: 'MSG0-1' });
    await sut.receive(message, [result({ resultStatus: 'C', status: 'corrected' })], lab);
    expect(mocks.engine.apply.mock.calls[0][1].reason).toBe('Corrected result (C) of seq 4, which was 4.0 10*3/uL (control id MSG0-1)');
    expect(recorded(mocks)).toEqual({ message: expect.anything(), results: [expect.objectContaining({ correctsSeq: 4 })] });
  });
});
