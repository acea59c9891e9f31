import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { type DataIssue, findProtocol } from '#protocols';
import { toCsv } from './csv';
import type { PatientExportInput } from './export-input';
import { cd19PatientInFollowUp, cd19PatientInfused, cd19PatientInScreening, cd19PatientWithLabPanel } from './patient-log.factory';
import { SDTM_DOMAINS, sdtmRowsOf, sdtmTables, exportFailure } from './sdtm';
import { domainCsv, type ExportedPatient, type ExportSummary, sdtmZip, SPOOL_PREFIX } from './sdtm-stream';

const cd19 = findProtocol('cd19-rr-all', 1)!.spec;

/** A patient as the export's page reader hands it on: registered at `registeredAt`, with the stored entries left out of its log. */
function exported(input: PatientExportInput, registeredAt: string, dataIssues: DataIssue[] = []): { input: PatientExportInput; exported: ExportedPatient } {
  const withIssues = { ...input, dataIssues };
  const patient = { id: input.patient.id, subjectId: input.patient.subjectId, registeredAt };
  try {
    return { input: withIssues, exported: { patient, rows: sdtmRowsOf(cd19, withIssues), dataIssues, failure: null } };
  } catch (error) {
    return { input: withIssues, exported: { patient, rows: null, dataIssues, failure: exportFailure(patient.id, error) } };
  }
}

const issue = (patientId: string, seq: number, problem: string): DataIssue => ({ patientId, seq, type: 'LAB_RESULT_RECORDED', field: 'data.value', problem });

// In USUBJID order (002-0001 … 002-0009), registered in another order; two with entries left out, one whose record cannot be exported.
const labs = cd19PatientWithLabPanel().build();
const screened = cd19PatientInScreening({ id: 'p-0003', subjectId: '002-0003' }).build();
const treated = cd19PatientInFollowUp().build();
const infused = cd19PatientInfused({ id: 'p-0009', subjectId: '002-0009' }).build();
const PATIENTS = [
  exported({ ...labs, patient: { ...labs.patient, id: 'p-0001', subjectId: '002-0001' } }, '2026-03-01T00:00:00.000Z', [issue('p-0001', 4, 'is at least 0')]),
  exported(screened, '2026-01-01T00:00:00.000Z'),
  exported({ ...treated, record: { ...treated.record, demographics: undefined as never } }, '2026-02-15T00:00:00.000Z', [issue(treated.patient.id, 9, 'is not a JSON object')]),
  exported(infused, '2026-02-01T00:00:00.000Z', [issue('p-0009', 5, 'not "pg/mL"'), issue('p-0009', 6, 'is not an ISO 8601 date-time')]),
];

/** The export as it was made before it streamed: every table in memory, the data issues by registration order, then the records not exported. */
function tablesInMemory() {
  const byRegistration = [...PATIENTS].sort((a, b) => a.exported.patient.registeredAt.localeCompare(b.exported.patient.registeredAt));
  const dataIssues = byRegistration.flatMap((p) => p.input.dataIssues);
  const tables = sdtmTables({ protocol: cd19, patients: PATIENTS.map((p) => p.input) }, dataIssues);
  const subjects = new Map(PATIENTS.map((p) => [p.exported.patient.id, p.exported.patient.subjectId]));
  const issues = toCsv({
    columns: ['SUBJID', 'SEQ', 'TYPE', 'FIELD', 'PROBLEM'],
    rows: dataIssues.map((i) => ({ SUBJID: subjects.get(i.patientId) ?? null, SEQ: i.seq, TYPE: i.type, FIELD: i.field, PROBLEM: i.problem })),
  });
  return { tables, issues, count: dataIssues.length };
}

async function* source(patients: readonly ExportedPatient[], pulled = { count: 0 }): AsyncGenerator<ExportedPatient> {
  for (const patient of patients) {
    pulled.count += 1;
    yield patient;
  }
}

async function bytesOf(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all);
}

describe('the streamed SDTM export', () => {
  let spoolRoot: string;
  const spools = () => readdirSync(spoolRoot).filter((name) => name.startsWith(SPOOL_PREFIX));
  beforeEach(() => {
    spoolRoot = mkdtempSync(join(tmpdir(), 'sdtm-stream-spec-'));
  });
  afterEach(() => rmSync(spoolRoot, { recursive: true, force: true }));

  it('zips the same CSVs as the tables made in memory: every domain, and data-issues.csv in registration order then the records left out', async () => {
    const { tables, issues, count } = tablesInMemory();
    const summary: ExportSummary = { dataIssues: 0 };
    const files = unzipSync(new Uint8Array(await bytesOf(sdtmZip(source(PATIENTS.map((p) => p.exported)), summary, spoolRoot))));
    expect(Object.keys(files)).toEqual(['dm.csv', 'ex.csv', 'ae.csv', 'suppae.csv', 'rs.csv', 'lb.csv', 'dv.csv', 'data-issues.csv']);
    for (const domain of SDTM_DOMAINS) expect({ domain, csv: strFromU8(files[`${domain.toLowerCase()}.csv`]) }).toEqual({ domain, csv: toCsv(tables[domain]) });
    expect(strFromU8(files['data-issues.csv'])).toBe(issues);
    // the data issues: 4 entries left out, then the record that could not be exported, which no domain holds
    expect(issues.trim().split('\r\n').slice(1)).toEqual([
      expect.stringMatching(/^002-0009,5,/),
      expect.stringMatching(/^002-0009,6,/),
      expect.stringMatching(/^002-0007,9,/),
      expect.stringMatching(/^002-0001,4,/),
      expect.stringMatching(/^002-0007,,,record,could not be exported: /),
    ]);
    expect(strFromU8(files['dm.csv'])).not.toContain('002-0007');
    expect(tables.LB.rows.length).toBeGreaterThan(5);
    expect(summary.dataIssues).toBe(count);
    expect(count).toBe(5);
    expect(spools()).toEqual([]);
  });

  it('writes one domain as the same CSV, counting the data issues', async () => {
    const { tables, count } = tablesInMemory();
    for (const domain of SDTM_DOMAINS) {
      const summary: ExportSummary = { dataIssues: 0 };
      const csv = (await bytesOf(domainCsv(domain, source(PATIENTS.map((p) => p.exported)), summary))).toString('utf8');
      expect({ domain, csv }).toEqual({ domain, csv: toCsv(tables[domain]) });
      expect(summary.dataIssues).toBe(count);
    }
  });

  it('gives the first bytes before it has read every patient: the rows go out as they are made', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => {
      const { exported: p } = PATIENTS[1];
      return { ...p, patient: { ...p.patient, id: `p-${i}`, subjectId: `S${String(i).padStart(5, '0')}` } };
    });
    const pulled = { count: 0 };
    const csv = domainCsv('DM', source(many, pulled), { dataIssues: 0 });
    const first = await csv.next();
    expect(first.done).toBe(false);
    expect(pulled.count).toBeGreaterThan(0);
    expect(pulled.count).toBeLessThan(many.length / 4);
    await csv.return(undefined);
  });

  it('removes its spool files when the download stops part way, and when the patients fail to come', async () => {
    const zip = sdtmZip(source(PATIENTS.map((p) => p.exported)), { dataIssues: 0 }, spoolRoot);
    await zip.next();
    expect(spools()).toHaveLength(1);
    await zip.return(undefined);
    expect(spools()).toEqual([]);

    async function* failing(): AsyncGenerator<ExportedPatient> {
      yield PATIENTS[0].exported;
      throw new Error('the database went away');
    }
    await expect(bytesOf(sdtmZip(failing(), { dataIssues: 0 }, spoolRoot))).rejects.toThrow('the database went away');
    expect(spools()).toEqual([]);
  });
});
