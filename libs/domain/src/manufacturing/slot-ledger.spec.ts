import type { EntityManager } from 'typeorm';
import type { AccessLog, Caller } from '../audit/access-log';
import type { ManufacturingBookingEntity, ManufacturingSiteEntity } from '../persistence/entities';
import type { ManufacturingRepository } from './manufacturing-repository';
import { SlotLedger, touchesSlots } from './slot-ledger';

const NOW = new Date('2026-12-30T10:00:00.000Z'); // Wednesday of 2026-W53
const manager = {} as EntityManager;
const caller: Caller = { actor: { id: 'user:c1', name: 'Coordinator', role: 'coordinator', siteIds: ['site-a'] }, origin: { address: null, requestId: null } };
const site: ManufacturingSiteEntity = { id: 'mfg-1', name: 'One', slotsPerWeek: 1, releaseDays: 10, horizonWeeks: 2, createdAt: '', updatedAt: '' };

const booking = (over: Partial<ManufacturingBookingEntity>): ManufacturingBookingEntity => ({
  id: 'b1',
  patientId: 'p1',
  manufacturingSiteId: 'mfg-1',
  week: '2026-W53',
  status: 'booked',
  queuedAt: null,
  cancelReason: null,
  createdAt: '2026-12-28T09:00:00.000Z',
  updatedAt: '2026-12-28T09:00:00.000Z',
  ...over,
});

/** The ledger with every repository call mocked; `calls` records the order of locks and writes. */
function build(
  state: {
    serving?: string;
    pending?: ManufacturingBookingEntity | null;
    consumed?: ManufacturingBookingEntity;
    taken?: Array<[string, number]>;
    queue?: ManufacturingBookingEntity[];
  } = {},
) {
  const calls: string[] = [];
  const repository = {
    siteServing: jest.fn(async () => state.serving),
    lockSite: jest.fn(async () => (calls.push('lock'), site)),
    site: jest.fn(async () => site),
    pendingBookingOf: jest.fn(async () => state.pending ?? null),
    // After a write the pending booking is gone from what it was (cancelled or consumed): what stands is the consumed one, if any.
    currentBookingOf: jest.fn(async () => state.consumed ?? null),
    takenSlots: jest.fn(async () => new Map(state.taken ?? [])),
    queue: jest.fn(async () => (state.queue ?? []).map((b) => ({ ...b, patientSiteId: 'site-a', subjectId: 'S' }))),
    insertBooking: jest.fn(async (_m: EntityManager, b: ManufacturingBookingEntity) => calls.push(`insert ${b.status} ${b.week ?? '-'}`)),
    updateBooking: jest.fn(async (_m: EntityManager, id: string, fields: Partial<ManufacturingBookingEntity>) => calls.push(`update ${id} ${fields.status} ${fields.week ?? '-'}`)),
  };
  const access = { record: jest.fn(async (_c: Caller, action: string, _entries: unknown[]) => calls.push(`audit ${action}`)) };
  const sut = new SlotLedger(repository as unknown as ManufacturingRepository, access as unknown as AccessLog);
  return { sut, mocks: { repository, access, calls } };
}

const event = (type: string, leftStudy = false) => ({ patientId: 'p1', protocolId: 'cd19-rr-all', type, occurredAt: NOW.toISOString(), leftStudy });

describe('SlotLedger', () => {
  it('names the events that take or free a slot, and no other', () => {
    expect(
      ['ENROLLED', 'MANUFACTURING_STARTED', 'REMANUFACTURE_ORDERED', 'WITHDRAWN', 'DEATH', 'SCREEN_FAILED', 'MANUFACTURING_FAILED', 'LOST_TO_FOLLOW_UP'].every(touchesSlots),
    ).toBe(true);
    expect(['LEUKAPHERESIS_COMPLETED', 'APHERESIS_RECEIVED', 'PRODUCT_RELEASED', 'INFUSION_COMPLETED', 'ADVERSE_EVENT_REPORTED'].some(touchesSlots)).toBe(false);
  });

  it('writes nothing and answers null when no manufacturing site makes product for the trial', async () => {
    const { sut, mocks } = build();
    expect(await sut.afterEvent(manager, event('ENROLLED'), caller, NOW)).toBeNull();
    expect(mocks.calls).toEqual([]);
  });

  it("locks the site's row before reading its slots or writing, and books across the year end", async () => {
    const { sut, mocks } = build({ serving: 'mfg-1', taken: [['2026-W53', 1]] });
    const slot = await sut.afterEvent(manager, event('ENROLLED'), caller, NOW);
    expect(slot).toMatchObject({ status: 'booked', week: '2027-W01', weekStart: '2027-01-04', expectedRelease: '2027-01-14', queuePosition: null });
    expect(mocks.calls).toEqual(['lock', 'insert booked 2027-W01', 'audit manufacturing.slot-book']);
    expect(mocks.repository.lockSite.mock.invocationCallOrder[0]).toBeLessThan(mocks.repository.takenSlots.mock.invocationCallOrder[0]);
  });

  it('queues when every week of the horizon is full', async () => {
    const { sut, mocks } = build({
      serving: 'mfg-1',
      taken: [
        ['2026-W53', 1],
        ['2027-W01', 1],
      ],
    });
    mocks.repository.queue
      .mockResolvedValueOnce([])
      .mockResolvedValueOnce([{ ...booking({ status: 'queued', week: null, queuedAt: NOW.toISOString() }), patientSiteId: 'site-a', subjectId: 'S' }]);
    const slot = await sut.afterEvent(manager, event('ENROLLED'), caller, NOW);
    expect(slot).toMatchObject({ status: 'queued', week: null, expectedRelease: null, queuePosition: 1 });
    expect(mocks.calls).toEqual(['lock', 'insert queued -', 'audit manufacturing.slot-book']);
  });

  it('frees a booked slot when the patient leaves, and promotes the head of the queue in the same call', async () => {
    const waiting = booking({ id: 'b2', patientId: 'p2', status: 'queued', week: null, queuedAt: '2026-12-29T09:00:00.000Z' });
    const { sut, mocks } = build({ pending: booking({}), queue: [waiting] });
    expect(await sut.afterEvent(manager, event('WITHDRAWN', true), caller, NOW)).toBeNull();
    expect(mocks.calls).toEqual(['lock', 'update b1 cancelled -', 'audit manufacturing.slot-release', 'update b2 booked 2026-W53', 'audit manufacturing.slot-promote']);
  });

  it('keeps a consumed slot when the patient leaves, and answers with it', async () => {
    const { sut, mocks } = build({ consumed: booking({ status: 'consumed' }) });
    expect(await sut.afterEvent(manager, event('DEATH', true), caller, NOW)).toMatchObject({ status: 'consumed', week: '2026-W53' });
    expect(mocks.calls).toEqual([]);
  });

  it('consumes the slot when manufacturing starts; a patient still queued is counted in that week', async () => {
    const booked = build({ pending: booking({}) });
    expect(await booked.sut.afterEvent(manager, event('MANUFACTURING_STARTED'), caller, NOW)).toMatchObject({ status: 'consumed', week: '2026-W53' });
    expect(booked.mocks.calls).toEqual(['lock', 'update b1 consumed 2026-W53']);
    const queued = build({ pending: booking({ status: 'queued', week: null, queuedAt: NOW.toISOString() }) });
    expect(await queued.sut.afterEvent(manager, event('MANUFACTURING_STARTED'), caller, NOW)).toMatchObject({ status: 'consumed', week: '2026-W53', queuePosition: null });
    expect(queued.mocks.calls).toEqual(['lock', 'update b1 consumed 2026-W53']);
  });

  it('books another slot when the product is to be made again, the consumed one kept', async () => {
    const { sut, mocks } = build({ serving: 'mfg-1', consumed: booking({ status: 'consumed' }), taken: [['2026-W53', 1]] });
    expect(await sut.afterEvent(manager, event('REMANUFACTURE_ORDERED'), caller, NOW)).toMatchObject({ status: 'booked', week: '2027-W01' });
    expect(mocks.calls).toEqual(['lock', 'insert booked 2027-W01', 'audit manufacturing.slot-book']);
    expect(mocks.access.record.mock.calls[0][2]).toEqual([{ patientId: 'p1', subject: 'mfg-1', details: { week: '2027-W01', queuePosition: null, at: 'remanufacture' } }]);
  });

  it('does nothing for an event that neither takes nor frees a slot', async () => {
    const { sut, mocks } = build({ pending: booking({}) });
    expect(await sut.afterEvent(manager, event('PRODUCT_RELEASED'), caller, NOW)).toBeUndefined();
    expect(mocks.calls).toEqual([]);
  });
});
