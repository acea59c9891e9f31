import { eligibleCd19Screening, toManufacturing } from '#testing';
import { type ApplyEventCommand, isoWeekOf, ManufacturingBookingEntity, ManufacturingSiteEntity, ManufacturingSiteTrialEntity } from '#domain';
import { COORDINATOR, INVESTIGATOR, type MediumEngine, mediumEngine } from './medium-engine';

/** Slots taken, consumed and freed by the engine's own events, in their transactions, on both databases. */
describe.each(['postgres', 'sqlite'] as const)('manufacturing slots through the engine on %s', (kind) => {
  let m: MediumEngine;
  let subjects = 0;

  beforeAll(async () => {
    m = await mediumEngine(kind);
    const at = m.clock.now().toISOString();
    await m.dataSource
      .getRepository(ManufacturingSiteEntity)
      .insert({ id: 'mfg-1', name: 'One slot a week', slotsPerWeek: 1, releaseDays: 14, horizonWeeks: 1, createdAt: at, updatedAt: at });
    await m.dataSource.getRepository(ManufacturingSiteTrialEntity).insert({ protocolId: 'cd19-rr-all', manufacturingSiteId: 'mfg-1' });
  });
  afterAll(() => m.close());

  const apply = (patientId: string, command: ApplyEventCommand, actor = COORDINATOR) => m.engine.apply(patientId, command, actor);
  const bookings = (patientId: string) => m.dataSource.getRepository(ManufacturingBookingEntity).find({ where: { patientId }, order: { createdAt: 'ASC' } });

  async function eligible(): Promise<string> {
    const { patient } = await m.engine.register(
      { protocolId: 'cd19-rr-all', subjectId: `M-${++subjects}`, siteId: 'site-a', patient: { sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 } },
      COORDINATOR,
    );
    const { screening, attestations } = eligibleCd19Screening();
    await apply(patient.id, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' } });
    await apply(patient.id, { type: 'SCREENING_DATA_RECORDED', data: screening });
    const meaning = 'I confirm this patient is eligible';
    const signature = { meaning, authenticate: async () => ({ signerId: INVESTIGATOR.id, signerName: INVESTIGATOR.name, meaning }) };
    await apply(patient.id, { type: 'ELIGIBILITY_CONFIRMED', data: { attestations }, signature }, INVESTIGATOR);
    return patient.id;
  }

  it('books at enrollment, queues when full, promotes on withdrawal and keeps a consumed slot', async () => {
    const week = isoWeekOf(m.clock.now());
    const [first, second, third] = [await eligible(), await eligible(), await eligible()];
    expect((await apply(first, { type: 'ENROLLED' })).patient.manufacturingSlot).toMatchObject({ status: 'booked', week });
    const enrolled = await apply(second, { type: 'ENROLLED' });
    expect(enrolled.patient.manufacturingSlot).toMatchObject({ status: 'queued', queuePosition: 1 });
    expect((await apply(third, { type: 'ENROLLED' })).patient.manufacturingSlot).toMatchObject({ status: 'queued', queuePosition: 2 });

    await apply(first, { type: 'WITHDRAWN', data: { reason: 'patient decision' } });
    expect((await bookings(first)).map((b) => b.status)).toEqual(['cancelled']);
    expect((await bookings(second)).map((b) => [b.status, b.week])).toEqual([['booked', week]]);
    expect((await bookings(third)).map((b) => b.status)).toEqual(['queued']);

    const steps = toManufacturing(enrolled.patient.chainOfIdentity!);
    for (const [type, data] of steps.slice(0, -1)) await apply(second, { type, data });
    expect((await bookings(second)).map((b) => b.status)).toEqual(['booked']);
    const [started, data] = steps.at(-1)!;
    expect((await apply(second, { type: started, data })).patient.manufacturingSlot).toMatchObject({ status: 'consumed', week });
    await apply(second, { type: 'WITHDRAWN', data: { reason: 'after collection' } });
    expect((await bookings(second)).map((b) => b.status)).toEqual(['consumed']);
    expect((await bookings(third)).map((b) => b.status)).toEqual(['queued']);
  });

  it('writes no booking when the enrollment is refused', async () => {
    const id = await eligible();
    await expect(apply(id, { type: 'ENROLLED', occurredAt: '1900-01-01T00:00:00Z' })).rejects.toThrow();
    expect(await bookings(id)).toEqual([]);
  });
});
