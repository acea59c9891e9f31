import { createHash } from 'node:crypto';
import type { AnyMachineSnapshot } from 'xstate';
import type { ClinicalEvent, ClinicalEventType, PatientDemographics, Protocol } from '#protocols';
import { chainOfIdentityId, findProtocol } from '#protocols';
import { eligibleCd19Screening, eligibleCd20Cd22Screening } from '#testing/eligibility';
import { thaw, toRelease, toSiteStorage } from '#testing/custody';
import * as machine from '../kernel/machine-boundary';
import { replayLog } from '../audit/replay';
import type { PatientEntity } from '../persistence/entities';
import { toPatientView } from '../patients/patient-view';
import type { LoggedEvent, PatientExportInput } from './export-input';

/**
 * Patient logs for the export specs, made by running the real protocol machine event by event (as
 * the engine does: validate, refuse, step) and read back as the export service reads them: the
 * record and the answers come from replaying the log (`replayLog`).
 */

export interface PatientLogStart {
  protocol: Protocol;
  id: string;
  subjectId: string;
  siteId: string;
  cohort?: string | null;
  demographics: Omit<PatientDemographics, 'subjectId'>;
  registeredAt: string;
}

const COORDINATOR = { actor: 'user:0b6c1f8e-coordinator', actorName: 'Dr Ada Lovelace-Coordinator' };
const SCHEDULER = { actor: 'system:scheduler', actorName: 'scheduler' };

export class PatientLogBuilder {
  readonly protocol: Protocol;
  private snapshot: AnyMachineSnapshot;
  private readonly events: LoggedEvent[] = [];

  /** The chain-of-identity identifier enrollment gave the patient (as the engine allocates it). */
  get coi(): string {
    // The specs name patients `p-0009`; the identifier's serial is taken from a UUID, here one made from that name.
    const hex = createHash('sha256').update(this.start.id).digest('hex').slice(0, 32);
    return chainOfIdentityId('W1234', this.start.registeredAt, hex);
  }

  constructor(private readonly start: PatientLogStart) {
    this.protocol = start.protocol.forCohort(start.cohort ?? null);
    const demographics: PatientDemographics = { subjectId: start.subjectId, ...start.demographics };
    this.snapshot = machine.startMachine(this.protocol, { patient: demographics }).snapshot;
    this.log('PATIENT_REGISTERED', start.registeredAt, start.registeredAt, COORDINATOR, {
      protocol: `${this.protocol.id}@${this.protocol.version}`,
      ...(start.cohort ? { cohort: start.cohort } : {}),
      siteId: start.siteId,
      ...demographics,
    });
  }

  /** The chain of custody from the collection at `collectedAt` to the release at `releasedAt`, the hand-offs an hour apart after the collection. */
  custodyToRelease(collectedAt: string, releasedAt: string): this {
    const steps = toRelease(this.coi, 'L-0042');
    steps.forEach(([type, data], i) => {
      const at = i === steps.length - 1 ? releasedAt : new Date(Date.parse(collectedAt) + i * 3_600_000).toISOString();
      this.post(type as ClinicalEventType, at, data);
    });
    return this;
  }

  /** Posts an event; `recordedAt` later than `occurredAt` is a late entry. Throws when the engine would refuse it. */
  post(type: ClinicalEventType, occurredAt: string, data: Record<string, unknown> = {}, recordedAt = occurredAt): this {
    const parsed = this.protocol.eventDataSchemas[type].parse(data) as Record<string, unknown>;
    // The engine adds the dose level the trial assigned and the chain-of-identity identifier to an enrollment.
    if (type === 'ENROLLED') Object.assign(parsed, { doseLevel: 1, coi: this.coi });
    const event: ClinicalEvent = { type, occurredAt, data: parsed };
    const context = machine.contextOf(this.snapshot);
    const refusals = this.protocol.refusals(context, event);
    if (refusals.length) throw new Error(`${type} refused: ${refusals.join('; ')}`);
    const step = machine.stepMachine(this.protocol, this.snapshot, event);
    if (!step.changed) throw new Error(`${type} is not accepted in ${machine.stateName(this.snapshot)}`);
    this.snapshot = step.next;
    this.log(type, occurredAt, recordedAt, type === 'DLT_WINDOW_CLOSED' ? SCHEDULER : COORDINATOR, parsed);
    return this;
  }

  /** The patient as the export service reads it: its log, replayed from registration. */
  build(): PatientExportInput {
    const events = this.events.map((e) => ({ ...e }));
    const { final, answers } = replayLog(this.protocol, events, { answers: true });
    if (!final) throw new Error('the log has no registration'); // never: the constructor logs it first
    const context = machine.contextOf(final);
    const last = this.events[this.events.length - 1];
    const row: PatientEntity = {
      id: this.start.id,
      subjectId: this.start.subjectId,
      siteId: this.start.siteId,
      protocolId: this.protocol.id,
      protocolVersion: this.protocol.version,
      cohort: this.start.cohort ?? null,
      state: machine.stateName(final),
      status: machine.isOffStudy(final) ? 'offStudy' : 'active',
      snapshot: machine.persistSnapshot(this.protocol, final),
      version: this.events.length,
      lastSeq: last.seq,
      lastHash: '0'.repeat(64),
      day0: context.infusion?.infusedAt ?? null,
      doseLevel: context.enrollment?.doseLevel ?? null,
      registeredAt: this.start.registeredAt,
      updatedAt: last.recordedAt,
    };
    const view = toPatientView(row, this.protocol, new Date(last.recordedAt), final);
    const { id, subjectId, siteId, protocolId, protocolVersion, cohort, state, status, day0 } = row;
    return {
      patient: { id, subjectId, siteId, protocolId, protocolVersion, cohort, state, status, day0 },
      record: view.record,
      events,
      computed: (event) => answers.get(event.seq),
      dataIssues: [],
      responseCriteria: this.protocol.spec.responseCriteria,
    };
  }

  private log(type: string, occurredAt: string, recordedAt: string, by: typeof COORDINATOR, data: Record<string, unknown>): void {
    this.events.push({ seq: this.events.length + 1, type, data, ...by, occurredAt, recordedAt });
  }
}

export const CD19_PATIENT = {
  id: '8c0f5c1e-0000-4000-8000-000000000007',
  subjectId: '002-0007',
  siteId: 'site-01',
  birthDate: '1991-07-04',
};

/** A 34-year-old woman on the CD19 R/R ALL trial, registered, screened and consented. */
export function cd19PatientInScreening(overrides: Partial<Pick<PatientLogStart, 'id' | 'subjectId'>> = {}): PatientLogBuilder {
  const { screening } = eligibleCd19Screening();
  return new PatientLogBuilder({
    protocol: findProtocol('cd19-rr-all', 1)!,
    id: overrides.id ?? CD19_PATIENT.id,
    subjectId: overrides.subjectId ?? CD19_PATIENT.subjectId,
    siteId: CD19_PATIENT.siteId,
    demographics: { sex: 'female', birthDate: CD19_PATIENT.birthDate, weightKg: 68, heightCm: 168 },
    registeredAt: '2026-02-20T09:00:00.000Z',
  })
    .post('SCREENING_DATA_RECORDED', '2026-02-23T09:30:00.000Z', screening)
    .post('CONSENT_SIGNED', '2026-02-23T10:00:00.000Z', { consentVersion: '2.1' });
}

/**
 * Eligibility, enrollment, the chain of custody (collection on day 2, manufacturing from day 3,
 * release on day 7, at the site on day 8), lymphodepletion (Flu/Cy, days −5 to −3), the thaw and the
 * infusion, at fixed days from the eligibility sign-off: the infusion (Day 0) is 14 days after it.
 */
function treatThroughInfusion(log: PatientLogBuilder, eligibleOn: string, attestations: string[], cellsPerKg: number): PatientLogBuilder {
  const on = (days: number, time: string) => new Date(Date.parse(`${eligibleOn}T${time}Z`) + days * 86_400_000).toISOString();
  const coi = log.coi;
  const toProduct = toRelease(coi, 'L-0042');
  const custodyDays = [2, 2, 3, 3, 7];
  log.post('ELIGIBILITY_CONFIRMED', on(0, '11:00:00'), { attestations }).post('ENROLLED', on(1, '09:00:00'));
  toProduct.forEach(([type, data], i) => log.post(type as ClinicalEventType, on(custodyDays[i], `1${i}:00:00`), data));
  toSiteStorage(coi).forEach(([type, data], i) => log.post(type as ClinicalEventType, on(8, `1${i}:00:00`), data));
  const [thawType, thawData] = thaw(coi);
  return log
    .post('LYMPHODEPLETION_STARTED', on(9, '08:00:00'), { weightKg: 70, heightCm: 170 })
    .post('LYMPHODEPLETION_COMPLETED', on(11, '16:00:00'))
    .post(thawType as ClinicalEventType, on(14, '09:50:00'), thawData)
    .post('INFUSION_COMPLETED', on(14, '10:00:00'), { cellsPerKg });
}

/** The same patient through lymphodepletion (Flu/Cy at 1.82 m²) and the infusion on 2026-03-16 (Day 0). */
export function cd19PatientInfused(overrides: Partial<Pick<PatientLogStart, 'id' | 'subjectId'>> = {}): PatientLogBuilder {
  return treatThroughInfusion(cd19PatientInScreening(overrides), '2026-03-02', eligibleCd19Screening().attestations, 5e6);
}

export const CRS_TERM = 'Cytokine release syndrome';
export const ICANS_TERM = 'Immune effector cell-associated neurotoxicity syndrome';

/**
 * After the infusion: grade 3 CRS from the ASTCT findings (a DLT), reported again once it resolved;
 * grade 2 ICANS (ICE 5); grade 4 neutropenia graded by the site; CAR copies in blood (entered late)
 * and marrow, IL-6 and MRD; a Day 28 CR, MRD-negative; the DLT window closing into follow-up.
 */
export function cd19PatientInFollowUp(overrides: Partial<Pick<PatientLogStart, 'id' | 'subjectId'>> = {}): PatientLogBuilder {
  const crs = { temperatureC: 39.4, hypotension: true, vasopressors: 1, oxygen: 'none' };
  const crsOnset = '2026-03-18T06:00:00.000Z';
  return cd19PatientInfused(overrides)
    .post('ADVERSE_EVENT_REPORTED', '2026-03-18T14:00:00.000Z', { term: CRS_TERM, crs, onset: crsOnset, related: true, serious: true })
    .post('LAB_RESULT_RECORDED', '2026-03-18T15:00:00.000Z', {
      code: 'IL6',
      compartment: 'PB',
      value: 412.5,
      unit: 'pg/mL',
      collectedAt: '2026-03-18T07:00:00.000Z',
    })
    .post('ADVERSE_EVENT_REPORTED', '2026-03-21T09:00:00.000Z', {
      term: ICANS_TERM,
      icans: { ice: 5, consciousness: 'awakens-to-voice', seizure: 'none', motor: 'none', edema: 'none' },
      onset: '2026-03-20',
      related: true,
      serious: false,
    })
    .post('ADVERSE_EVENT_REPORTED', '2026-03-22T09:00:00.000Z', {
      term: 'Neutropenia',
      grade: 4,
      onset: '2026-03-17',
      related: false,
      serious: false,
    })
    .post(
      'ADVERSE_EVENT_REPORTED',
      '2026-03-24T09:00:00.000Z',
      { term: CRS_TERM, crs, onset: crsOnset, related: true, serious: true, resolvedAt: '2026-03-23' },
      '2026-03-24T09:05:00.000Z',
    )
    .post(
      'LAB_RESULT_RECORDED',
      '2026-03-23T08:00:00.000Z',
      { code: 'CAR_COPIES', compartment: 'PB', value: 15234, unit: 'copies/µg gDNA', collectedAt: '2026-03-23T08:00:00.000Z' },
      '2026-03-27T16:00:00.000Z',
    )
    .post('LAB_RESULT_RECORDED', '2026-04-12T09:00:00.000Z', {
      code: 'CAR_COPIES',
      compartment: 'BM',
      value: 2210,
      unit: 'copies/µg gDNA',
      collectedAt: '2026-04-12T08:30:00.000Z',
    })
    .post('LAB_RESULT_RECORDED', '2026-04-12T17:00:00.000Z', {
      code: 'MRD',
      compartment: 'BM',
      value: 0.004,
      unit: '%',
      collectedAt: '2026-04-12T08:30:00.000Z',
    })
    .post('RESPONSE_ASSESSED', '2026-04-12T18:00:00.000Z', {
      visit: 'D28',
      marrowBlastsPct: 1.5,
      circulatingBlasts: false,
      extramedullary: false,
      anc: 1.6,
      platelets: 112,
      countsUnit: '10^9/L',
      mrdPct: 0.004,
    })
    .post('DLT_WINDOW_CLOSED', '2026-04-13T10:00:00.000Z');
}

/** A result of every test of the lab catalogue, each in the catalogue's unit or one of its other spellings, as a lab reports it. */
export const CATALOGUE_LAB_RESULTS: ReadonlyArray<{ code: string; value: number; unit: string }> = [
  { code: 'CAR_COPIES', value: 8800, unit: 'copies/ug gDNA' },
  { code: 'CAR_T_PERCENT', value: 12.5, unit: '%' },
  { code: 'IL6', value: 35.2, unit: 'pg/ml' },
  { code: 'IL10', value: 18, unit: 'pg/mL' },
  { code: 'IFNG', value: 42, unit: 'pg/mL' },
  { code: 'TNFA', value: 9.1, unit: 'pg/mL' },
  { code: 'MRD', value: 0.02, unit: '%' },
  { code: 'WBC', value: 2.1, unit: 'G/L' },
  { code: 'ANC', value: 0.4, unit: '10^9/L' },
  { code: 'ALC', value: 0.3, unit: '×10⁹/L' },
  { code: 'PLT', value: 38, unit: 'x10^9/L' },
  { code: 'HGB', value: 8.4, unit: 'g/dL' },
  { code: 'ALT', value: 88, unit: 'IU/L' },
  { code: 'AST', value: 61, unit: 'U/L' },
  { code: 'BILI', value: 1.4, unit: 'mg/dl' },
  { code: 'CREAT', value: 1.1, unit: 'mg/dL' },
  { code: 'FERRITIN', value: 2400, unit: 'µg/L' },
  { code: 'CRP', value: 96, unit: 'mg/L' },
  { code: 'LDH', value: 410, unit: 'U/L' },
  { code: 'FIBRINOGEN', value: 180, unit: 'mg/dL' },
];

/** A lab code the catalogue does not list, kept as the site sends it. */
export const UNLISTED_LAB_RESULT = { code: 'D_DIMER', value: 2.3, unit: 'mg/L FEU' } as const;

/**
 * The patient in follow-up with one result of every catalogued test and one unlisted test on Day
 * 30, and the cytopenias graded by the site under their CTCAE v5.0 terms (neutrophil and platelet
 * count decreased), beside the CRS, ICANS and "Neutropenia" of `cd19PatientInFollowUp`.
 */
export function cd19PatientWithLabPanel(): PatientLogBuilder {
  const panel = cd19PatientInFollowUp()
    .post('ADVERSE_EVENT_REPORTED', '2026-04-15T09:00:00.000Z', { term: 'Neutrophil count decreased', grade: 4, onset: '2026-04-14', related: true, serious: false })
    .post('ADVERSE_EVENT_REPORTED', '2026-04-15T09:30:00.000Z', { term: 'platelet count decreased', grade: 3, onset: '2026-04-14', related: true, serious: false });
  for (const result of [...CATALOGUE_LAB_RESULTS, UNLISTED_LAB_RESULT]) {
    panel.post('LAB_RESULT_RECORDED', '2026-04-15T12:00:00.000Z', { ...result, compartment: 'PB', collectedAt: '2026-04-15T07:30:00.000Z' });
  }
  return panel;
}

/**
 * A 52-year-old man in the B-NHL cohort of the CD20/CD22 trial (Lugano 2014), infused on
 * 2026-04-24 at 2 ×10⁶ cells/kg, with grade 3 CRS not yet resolved (a provisional DLT: the trial
 * allows CRS ≤ grade 3 that resolves within 7 days) and a Week 4 PET-CT read as a partial response.
 */
export function cd20Cd22NhlPatientAtWeek4(): PatientLogBuilder {
  const { screening, attestations } = eligibleCd20Cd22Screening('B-NHL');
  const patient = new PatientLogBuilder({
    protocol: findProtocol('cd20-cd22', 1)!,
    cohort: 'B-NHL',
    id: '3f1d2a40-0000-4000-8000-000000000012',
    subjectId: '004-0012',
    siteId: 'site-02',
    demographics: { sex: 'male', birthDate: '1973-11-30', weightKg: 82, heightCm: 178 },
    registeredAt: '2026-04-01T08:00:00.000Z',
  })
    .post('SCREENING_DATA_RECORDED', '2026-04-02T09:00:00.000Z', screening)
    .post('CONSENT_SIGNED', '2026-04-02T10:00:00.000Z', { consentVersion: '1.0' });
  return treatThroughInfusion(patient, '2026-04-10', attestations, 2e6)
    .post('ADVERSE_EVENT_REPORTED', '2026-04-26T09:00:00.000Z', {
      term: CRS_TERM,
      crs: { temperatureC: 39.8, hypotension: true, vasopressors: 1, oxygen: 'nasal-cannula', oxygenLitresPerMinute: 4 },
      onset: '2026-04-25T22:00:00.000Z',
      related: true,
      serious: true,
    })
    .post('RESPONSE_ASSESSED', '2026-05-22T15:00:00.000Z', {
      visit: 'W4',
      deauville: 4,
      spdChangePct: -62,
      newLesion: false,
      uptakeReducedFromBaseline: true,
    });
}
