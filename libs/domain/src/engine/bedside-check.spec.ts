import { chainOfIdentityId, mod37_2CheckCharacter, type ClinicalEvent, type PatientContext } from '#protocols';
import type { PatientEntity } from '../persistence/entities';
import type { Actor } from '../kernel/actor';
import { bedsideCheckOf } from './bedside-check';

const PATIENT_ID = '3f1c2a7e-9b4d-4e21-8c55-0d6b7a9e1f20';
const COI = chainOfIdentityId('W1234', '2026-12-01T09:00:00Z', PATIENT_ID);
const patient = { id: PATIENT_ID, siteId: 'site-a', protocolId: 'cd19-rr-all', subjectId: 'A-001' } as PatientEntity;
const context = (coi: string | undefined = COI) => ({ enrollment: { enrolledAt: '2026-12-01T09:00:00Z', doseLevel: 1, ...(coi ? { coi } : {}) } }) as PatientContext;
const infusion = (bagCoi?: string): ClinicalEvent => ({
  type: 'INFUSION_COMPLETED',
  occurredAt: '2026-12-04T10:00:00Z',
  data: { cellsPerKg: 7e6, ...(bagCoi === undefined ? {} : { bedsideCheck: { bagCoi } }) },
});
const coordinator: Actor = { id: 'user:c', name: 'Carla', role: 'coordinator', siteIds: ['site-a'] };
const investigator: Actor = { id: 'user:i', name: 'Ivan', role: 'investigator', siteIds: ['site-a'] };
const witness = (actor: Actor = investigator) => ({
  actor,
  authenticate: jest.fn(async () => ({ signerId: actor.id, signerName: actor.name, meaning: 'I verified it' })),
});

describe('the bedside check of an infusion', () => {
  it('passes with the patient’s bag and two people, and keeps both once the witness has signed', async () => {
    const signer = witness();
    const judged = bedsideCheckOf(patient, context(), infusion(COI.toLowerCase()), coordinator, signer);
    expect(judged.reasons).toEqual([]);
    expect(judged.mismatch).toBeUndefined();
    expect(signer.authenticate).not.toHaveBeenCalled();
    expect(await judged.record!(new Date('2026-12-04T10:00:05Z'))).toEqual({
      bagCoi: COI,
      patientCoi: COI,
      verifiedBy: [
        { userId: 'user:c', name: 'Carla', role: 'coordinator' },
        { userId: 'user:i', name: 'Ivan', role: 'investigator', meaning: 'I verified it', signedAt: '2026-12-04T10:00:05.000Z' },
      ],
    });
  });

  it('stops at another patient’s bag, naming both identifiers, whoever the people are', () => {
    const body = `${COI.slice(0, 7)}${COI[7] === '0' ? '1' : '0'}${COI.slice(8, 17)}`;
    const other = `${body}${mod37_2CheckCharacter(body)}`;
    for (const second of [witness(), undefined]) {
      const judged = bedsideCheckOf(patient, context(), infusion(other), coordinator, second);
      expect(judged.mismatch).toEqual({ patientId: PATIENT_ID, siteId: 'site-a', protocolId: 'cd19-rr-all', subjectId: 'A-001', bagCoi: other, patientCoi: COI });
      expect(judged.reasons[0]).toMatch(/is not this patient's .*do not infuse/);
      expect(judged.record).toBeUndefined();
    }
  });

  it('refuses a misread bag without the alarm, a missing check, and a patient without an identifier', () => {
    const misread = bedsideCheckOf(patient, context(), infusion(`${COI.slice(0, -1)}${COI.endsWith('A') ? 'B' : 'A'}`), coordinator, witness());
    expect(misread.mismatch).toBeUndefined();
    expect(misread.reasons[0]).toContain('has check character');
    expect(bedsideCheckOf(patient, context(), infusion(), coordinator, witness()).reasons[0]).toContain('needs the bedside check');
    expect(bedsideCheckOf(patient, context(''), infusion(COI), coordinator, witness()).reasons[0]).toContain('has no chain-of-identity identifier');
  });

  it('refuses a witness of another site, and never asks a refused witness to sign', () => {
    const elsewhere = witness({ ...investigator, siteIds: ['site-b'] });
    const judged = bedsideCheckOf(patient, context(), infusion(COI), coordinator, elsewhere);
    expect(judged.reasons).toEqual(['the witness Ivan is not assigned to site site-a']);
    expect(judged.record).toBeUndefined();
    expect(elsewhere.authenticate).not.toHaveBeenCalled();
  });
});
