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

function build() {
  const repository = {
    insertMessage: jest.fn().mockResolvedValue(undefined),
    insertResult: jest.fn().mockResolvedValue(true),
    resultByControlId: jest.fn().mockResolvedValue(null),
    latestAccepted: jest.fn().mockResolvedValue(null),
    patientsAt: jest.fn().mockResolvedValue(['p-1']),
    mappedCode: jest.fn().mockResolvedValue(undefined),
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
    expect(mocks.repository.insertResult).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'accepted', seq: 9, labCode: 'ANC', patientId: 'p-1' }));
    expect(mocks.repository.insertMessage).toHaveBeenCalledWith(expect.objectContaining({ acknowledgement: 'AA', outcome: 'accepted', siteId: 'SITE-A' }));
  });

  it('writes nothing for a control id seen before', async () => {
    const { sut, mocks } = build();
    mocks.repository.resultByControlId.mockResolvedValue({ id: 'r-1' });
    const { outcomes } = await sut.receive(message, [result()], lab);
    expect(outcomes).toEqual([{ controlId: 'MSG1-1', outcome: 'duplicate' }]);
    expect(mocks.engine.apply).not.toHaveBeenCalled();
    expect(mocks.repository.insertResult).not.toHaveBeenCalled();
    expect(mocks.repository.insertMessage).toHaveBeenCalledWith(expect.objectContaining({ acknowledgement: 'AA', outcome: 'duplicate' }));
  });

  it.each([
    ['no patient', (m: Mocks) => m.repository.patientsAt.mockResolvedValue([]), result(), 'no patient at site SITE-A'],
    ['two patients', (m: Mocks) => m.repository.patientsAt.mockResolvedValue(['p-1', 'p-2']), result(), '2 patients at site SITE-A'],
    ['an unknown code', () => undefined, result({ code: { system: '99LAB', code: 'NEUT' } }), 'neither a LOINC code of the catalogue nor mapped'],
    ['a unit that does not convert', () => undefined, result({ unit: 'g/dL' }), 'cannot be converted'],
    ['a value out of bounds', () => undefined, result({ value: 600, valueText: '600', unit: '10*9/L' }), 'at most 500'],
    ['a preliminary result', () => undefined, result({ resultStatus: 'P', status: 'other' }), 'is not final'],
    ['a time without offset', () => undefined, result({ collectedAt: undefined, problems: ['collection time "20261204080000" has no UTC offset'] }), 'no UTC offset'],
  ])('holds %s in the inbox with the reason, applying nothing', async (_what, arrange, incoming, reason) => {
    const { sut, mocks } = build();
    arrange(mocks);
    const { outcomes } = await sut.receive(message, [incoming], lab);
    expect(outcomes).toEqual([{ controlId: 'MSG1-1', outcome: 'inbox', reason: expect.stringContaining(reason) }]);
    expect(mocks.engine.apply).not.toHaveBeenCalled();
    expect(mocks.repository.insertResult).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'inbox', inboxStatus: 'open' }));
    expect(mocks.repository.insertMessage).toHaveBeenCalledWith(expect.objectContaining({ acknowledgement: 'AE' }));
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
    expect(mocks.repository.patientsAt).not.toHaveBeenCalled();
    expect(mocks.engine.apply).not.toHaveBeenCalled();
    expect(mocks.repository.insertMessage).toHaveBeenCalledWith(expect.objectContaining({ acknowledgement: 'AR', outcome: 'rejected', siteId: null }));
  });

  it('records a corrected result with a reason naming the result it corrects', async () => {
    const { sut, mocks } = build();
    mocks.repository.latestAccepted.mockResolvedValue({ seq: 4, valueText: '4.0', unit: '10*3/uL', controlId: 'MSG0-1' });
    await sut.receive(message, [result({ resultStatus: 'C', status: 'corrected' })], lab);
    expect(mocks.engine.apply.mock.calls[0][1].reason).toBe('Corrected result (C) of seq 4, which was 4.0 10*3/uL (control id MSG0-1)');
    expect(mocks.repository.insertResult).toHaveBeenCalledWith(expect.objectContaining({ correctsSeq: 4 }));
  });
});
