import { eligibleCd19Screening } from '#testing';
import { type ApplyEventCommand, TrialEntity, TrialLedger, VersionConflictError } from '#domain';
import { findProtocol, PROTOCOLS, trialRulesOf, trialStateOf } from '#protocols';
import { COORDINATOR, INVESTIGATOR, type MediumEngine, mediumEngine } from './medium-engine';

/** The trial ledger on the real databases: one row per protocol, every version's patients moving it (ADR 0011). */
describe.each(['postgres', 'sqlite'] as const)('the trial ledger on %s', (kind) => {
  let m: MediumEngine;
  let ledger: TrialLedger;
  let subjects = 0;

  beforeAll(async () => {
    m = await mediumEngine(kind);
    ledger = new TrialLedger(m.tx);
    await m.tx.run((manager) => ledger.ensureRows(manager, m.clock.now().toISOString()));
  });
  afterAll(() => m.close());

  const trialRow = (protocolId: string) => m.dataSource.getRepository(TrialEntity).findOneByOrFail({ protocolId });
  const apply = (patientId: string, command: ApplyEventCommand, actor = COORDINATOR) => m.engine.apply(patientId, command, actor);

  /** A cd19-rr-all patient of the given version, eligible and signed off, one step before ENROLLED. */
  async function eligibleOn(protocolVersion: number): Promise<string> {
    const { patient } = await m.engine.register(
      {
        protocolId: 'cd19-rr-all',
        protocolVersion,
        subjectId: `L-${++subjects}`,
        siteId: 'site-a',
        patient: { sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 },
      },
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

  it('keeps one row per protocol, whatever its versions, and creates it once', async () => {
    const rows = await m.dataSource.getRepository(TrialEntity).find();
    expect(rows.map((r) => r.protocolId).sort()).toEqual([...new Set(PROTOCOLS.map((p) => p.id))].sort());
    await m.tx.run((manager) => ledger.ensureRows(manager, m.clock.now().toISOString()));
    expect(await m.dataSource.getRepository(TrialEntity).count()).toBe(rows.length);
  });

  it("locks a protocol's trial with the newest version's rules, whichever version asks", async () => {
    for (const version of [1, 2]) {
      const asked = findProtocol('cd19-rr-all', version)!;
      const locked = await m.tx.run((manager) => ledger.lock(manager, asked));
      expect(locked.row.protocolId).toBe('cd19-rr-all');
      expect(locked.spec).toBe(trialRulesOf('cd19-rr-all'));
    }
  });

  it('counts the ENROLLED of a v1 and a v2 patient, racing, in the one row: neither lost', async () => {
    const before = await trialRow('cd19-rr-all');
    const [onV1, onV2] = [await eligibleOn(1), await eligibleOn(2)];
    const answers = await Promise.all([apply(onV1, { type: 'ENROLLED' }), apply(onV2, { type: 'ENROLLED' })]);
    expect(answers.map((a) => a.patient.protocol)).toEqual(['cd19-rr-all@1', 'cd19-rr-all@2']);
    const after = await trialRow('cd19-rr-all');
    const state = trialStateOf(after.state);
    expect(state.enrolled).toBe(trialStateOf(before.state).enrolled + 2);
    expect(state.pending.map((p) => p.patientId).sort()).toEqual([onV1, onV2].sort());
    expect(after.version).toBe(before.version + 2);
  });

  it('refuses to save over a trial another transaction moved, and writes nothing', async () => {
    const stale = await m.tx.run((manager) => ledger.lock(manager, { id: 'cd19-rr-all' }));
    await apply(await eligibleOn(1), { type: 'ENROLLED' });
    const moved = await trialRow('cd19-rr-all');
    await expect(m.tx.run((manager) => ledger.save(manager, stale, { ...stale.state, enrolled: 99 }, m.clock.now().toISOString()))).rejects.toThrow(VersionConflictError);
    expect(await trialRow('cd19-rr-all')).toEqual(moved);
  });
});
