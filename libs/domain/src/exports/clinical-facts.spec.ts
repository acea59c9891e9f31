import type { AdverseEvent, Extension } from '@medplum/fhirtypes';
import { findProtocol } from '#protocols';
import { adverseEventFacts, labResultFacts } from './clinical-facts';
import type { PatientExportInput } from './export-input';
import { patientFhirBundle } from './fhir-bundle';
import { EXPORT_URLS } from './fhir-terms';
import { cd19PatientInfused } from './patient-log.factory';
import { sdtmTables } from './sdtm';

const cd19 = findProtocol('cd19-rr-all', 1)!.spec;

/** Infused on 2026-03-16 at 10:00 (Day 0); grade 3 related encephalopathy with onset on Day 2: a DLT by the protocol's rule. */
const ENCEPHALOPATHY = { term: 'Encephalopathy', grade: 3, onset: '2026-03-18T06:00:00.000Z', related: true, serious: true };
const withDlt = () => cd19PatientInfused().post('ADVERSE_EVENT_REPORTED', '2026-03-18T14:00:00.000Z', ENCEPHALOPATHY);
const adjudication = (dlt: boolean, rationale: string) => ({ term: 'encephalopathy', onset: ENCEPHALOPATHY.onset, dlt, rationale });

/** The DLT call each export shows for the patient's only AE: SUPPAE AEDLT, and the FHIR DLT extension's `dlt`. */
function exportedDltCall(input: PatientExportInput) {
  const suppae = sdtmTables({ protocol: cd19, patients: [input] })
    .SUPPAE.rows.filter((r) => r.QNAM === 'AEDLT')
    .map((r) => r.QVAL);
  const bundle = patientFhirBundle({ ...input, protocol: cd19, generatedAt: '2026-05-01T12:00:00.000Z' });
  const aes = (bundle.entry ?? []).map((e) => e.resource!).filter((r): r is AdverseEvent => r.resourceType === 'AdverseEvent');
  const dltParts = (ae: AdverseEvent) => ae.extension?.find((x) => x.url === EXPORT_URLS.doseLimitingToxicity)?.extension ?? [];
  const part = (parts: Extension[], url: string) => parts.find((x) => x.url === url);
  return {
    suppae,
    fhir: aes.map((ae) => part(dltParts(ae), 'dlt')?.valueBoolean),
    reasons: aes.map((ae) => part(dltParts(ae), 'reason')?.valueString),
    dlts: input.record.dlts,
  };
}

describe('the DLT call in the exports, after the investigator adjudicated it', () => {
  it('shows the computed call while nobody has adjudicated it', () => {
    expect(exportedDltCall(withDlt().build())).toMatchObject({ suppae: ['Y'], fhir: [true], dlts: [expect.objectContaining({ term: 'Encephalopathy' })] });
  });

  it('shows an overturned DLT as not dose-limiting, in SUPPAE and FHIR as in the record the trial counts', () => {
    const overturned = withDlt().post('DLT_ADJUDICATED', '2026-03-19T09:00:00.000Z', adjudication(false, 'pre-existing leukoencephalopathy')).build();
    expect(exportedDltCall(overturned)).toEqual({
      suppae: ['N'],
      fhir: [false],
      reasons: ['the investigator adjudicated it not dose-limiting: pre-existing leukoencephalopathy'],
      dlts: [],
    });
    // A later report of the same AE keeps the investigator's call.
    const reported = withDlt()
      .post('DLT_ADJUDICATED', '2026-03-19T09:00:00.000Z', adjudication(false, 'pre-existing leukoencephalopathy'))
      .post('ADVERSE_EVENT_REPORTED', '2026-03-22T09:00:00.000Z', { ...ENCEPHALOPATHY, resolvedAt: '2026-03-21' })
      .build();
    expect(exportedDltCall(reported)).toMatchObject({ suppae: ['N'], fhir: [false], dlts: [] });
  });

  it('shows a confirmed DLT as dose-limiting, also against a later report the rule alone would not count', () => {
    const confirmed = withDlt()
      .post('DLT_ADJUDICATED', '2026-03-19T09:00:00.000Z', adjudication(false, 'pre-existing leukoencephalopathy'))
      .post('DLT_ADJUDICATED', '2026-03-20T09:00:00.000Z', adjudication(true, 'new imaging'))
      .build();
    expect(exportedDltCall(confirmed)).toEqual({
      suppae: ['Y'],
      fhir: [true],
      reasons: ['the investigator adjudicated it dose-limiting: new imaging'],
      dlts: [{ term: 'encephalopathy', grade: 3, onset: ENCEPHALOPATHY.onset, adjudicated: true }],
    });
    const downgraded = withDlt()
      .post('DLT_ADJUDICATED', '2026-03-19T09:00:00.000Z', adjudication(false, 'x'))
      .post('DLT_ADJUDICATED', '2026-03-20T09:00:00.000Z', adjudication(true, 'new imaging'))
      .post('ADVERSE_EVENT_REPORTED', '2026-03-22T09:00:00.000Z', { ...ENCEPHALOPATHY, grade: 2 })
      .build();
    expect(exportedDltCall(downgraded)).toMatchObject({ suppae: ['Y'], fhir: [true], dlts: [expect.objectContaining({ grade: 2, adjudicated: true })] });
  });
});

describe('adverse events on Day 0', () => {
  it('takes a Day-0 onset given as a date as the infusion, as the engine does: one event, inside the DLT window', () => {
    const dayZero = { term: 'Hypoxia', grade: 3, onset: '2026-03-16', related: true, serious: true };
    const input = cd19PatientInfused()
      .post('ADVERSE_EVENT_REPORTED', '2026-03-16T18:00:00.000Z', dayZero)
      .post('ADVERSE_EVENT_REPORTED', '2026-03-18T09:00:00.000Z', { ...dayZero, onset: '2026-03-16T10:00:00.000Z', resolvedAt: '2026-03-18' })
      .build();
    expect(input.record.dlts).toEqual([{ term: 'Hypoxia', grade: 3, onset: '2026-03-16T10:00:00.000Z' }]);
    const facts = adverseEventFacts(input);
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({ firstSeq: input.events.at(-2)!.seq, seq: input.events.at(-1)!.seq, resolvedAt: '2026-03-18', dlt: { dlt: true } });
  });
});

describe('a corrected lab result in the exports', () => {
  it('exports one LB row and one FHIR Observation per sample: the corrected value, not both', () => {
    const sample = { code: 'IL6', compartment: 'PB', unit: 'pg/mL', collectedAt: '2026-03-18T07:30:00.000Z' };
    const input = cd19PatientInfused()
      .post('LAB_RESULT_RECORDED', '2026-03-18T15:00:00.000Z', { ...sample, value: 4200 })
      .post('LAB_RESULT_RECORDED', '2026-03-19T09:00:00.000Z', { ...sample, value: 420 })
      .post('LAB_RESULT_RECORDED', '2026-03-19T09:05:00.000Z', { ...sample, collectedAt: '2026-03-19T07:30:00.000Z', value: 800 })
      .build();
    expect(labResultFacts(input.events).map((l) => l.value)).toEqual([420, 800]);
    const lb = sdtmTables({ protocol: cd19, patients: [input] }).LB.rows.filter((r) => r.LBTESTCD === 'IL6');
    expect(lb.map((r) => r.LBORRES)).toEqual(['420', '800']);
    const bundle = patientFhirBundle({ ...input, protocol: cd19, generatedAt: '2026-05-01T12:00:00.000Z' });
    const il6 = (bundle.entry ?? []).map((e) => e.resource!).filter((r) => r.resourceType === 'Observation' && JSON.stringify(r).includes('Interleukin 6'));
    expect(il6.map((o) => (o as { valueQuantity?: { value?: number } }).valueQuantity?.value)).toEqual([420, 800]);
  });
});
