import { ageOn, ctcaeMeddraTerm, type DataIssue, labTest, type ProtocolDeviation, unreadableEntry } from '#protocols';
import { adverseEventFacts, labResultFacts, responseFacts } from './clinical-facts';
import type { ExportTable } from './csv';
import type { PatientExportInput } from './export-input';
import { catalogueUnit, COMPARTMENTS, labTestName } from './lab-tests';

/** The SDTM domains of the export (docs/api.md, section "Routes", `GET /trials/:protocolId/export?format=sdtm`). */
export type SdtmDomain = 'DM' | 'EX' | 'AE' | 'SUPPAE' | 'RS' | 'LB' | 'DV';

export interface SdtmProtocol {
  id: string;
  version: number;
  title: string;
  /** The CAR-T product's name (EXTRT of the infusion); `CAR-T CELLS` unless given. */
  product?: string;
}

export interface SdtmInput {
  protocol: SdtmProtocol;
  patients: readonly PatientExportInput[];
}

type Row = ExportTable['rows'][number];

/** The variables of each domain, in the order SDTMIG lists them. */
export const SDTM_COLUMNS: Record<SdtmDomain, string[]> = {
  DM: [
    'STUDYID',
    'DOMAIN',
    'USUBJID',
    'SUBJID',
    'RFSTDTC',
    'RFENDTC',
    'RFXSTDTC',
    'RFXENDTC',
    'RFICDTC',
    'RFPENDTC',
    'DTHDTC',
    'DTHFL',
    'SITEID',
    'AGE',
    'AGEU',
    'SEX',
    'ARMCD',
    'ARM',
    'ACTARMCD',
    'ACTARM',
  ],
  EX: ['STUDYID', 'DOMAIN', 'USUBJID', 'EXSEQ', 'EXTRT', 'EXCAT', 'EXDOSE', 'EXDOSU', 'EXDOSFRM', 'EXDOSFRQ', 'EXROUTE', 'EXSTDTC', 'EXENDTC'],
  AE: [
    'STUDYID',
    'DOMAIN',
    'USUBJID',
    'AESEQ',
    'AESPID',
    'AETERM',
    'AELLT',
    'AELLTCD',
    'AEDECOD',
    'AEPTCD',
    'AEBODSYS',
    'AESOC',
    'AESER',
    'AEREL',
    'AEOUT',
    'AETOXGR',
    'AESTDTC',
    'AEENDTC',
  ],
  SUPPAE: ['STUDYID', 'RDOMAIN', 'USUBJID', 'IDVAR', 'IDVARVAL', 'QNAM', 'QLABEL', 'QVAL', 'QORIG', 'QEVAL'],
  RS: ['STUDYID', 'DOMAIN', 'USUBJID', 'RSSEQ', 'RSTESTCD', 'RSTEST', 'RSCAT', 'RSORRES', 'RSSTRESC', 'VISIT', 'RSDTC'],
  LB: ['STUDYID', 'DOMAIN', 'USUBJID', 'LBSEQ', 'LBTESTCD', 'LBTEST', 'LBCAT', 'LBORRES', 'LBORRESU', 'LBSTRESC', 'LBSTRESN', 'LBSTRESU', 'LBLOINC', 'LBSPEC', 'LBDTC'],
  DV: ['STUDYID', 'DOMAIN', 'USUBJID', 'DVSEQ', 'DVSPID', 'DVTERM', 'DVDECOD', 'DVCAT', 'DVSCAT', 'VISIT', 'DVSTDTC'],
};

/**
 * The trial's patients as SDTM-style tables (docs/clinical.md, section "Interoperability"): one DM row per
 * registered patient, EX for the lymphodepletion agents and the CAR-T infusion, AE with the
 * CTCAE/ASTCT grade, SUPPAE for the DLT call and the grading scale (non-standard qualifiers), RS for
 * each overall response, LB for each lab result and DV for each protocol deviation. Dates are ISO 8601 in UTC.
 */
export function sdtmTables(input: SdtmInput, dataIssues: DataIssue[] = []): Record<SdtmDomain, ExportTable> {
  const rows: Record<SdtmDomain, Row[]> = { DM: [], EX: [], AE: [], SUPPAE: [], RS: [], LB: [], DV: [] };
  const patients = [...input.patients].sort((a, b) => compare(usubjid(input.protocol, a), usubjid(input.protocol, b)));
  for (const patient of patients) {
    // A patient whose record cannot be exported is left out and listed; the others are exported.
    try {
      const own = sdtmRowsOf(input.protocol, patient);
      for (const domain of SDTM_DOMAINS) rows[domain].push(...own[domain]);
    } catch (error) {
      dataIssues.push(exportFailure(patient.patient.id, error));
    }
  }
  const table = (domain: SdtmDomain): ExportTable => ({ columns: [...SDTM_COLUMNS[domain]], rows: rows[domain] });
  return { DM: table('DM'), EX: table('EX'), AE: table('AE'), SUPPAE: table('SUPPAE'), RS: table('RS'), LB: table('LB'), DV: table('DV') };
}

/** The domains in the order the export writes them (the zip's files, `sdtmTables`' keys). */
export const SDTM_DOMAINS: readonly SdtmDomain[] = ['DM', 'EX', 'AE', 'SUPPAE', 'RS', 'LB', 'DV'];

/**
 * One patient's rows of every domain, each row with exactly its domain's columns in order, its
 * --SEQ numbered within the patient. Throws when the record cannot be exported (`exportFailure`
 * says so as a data issue).
 */
export function sdtmRowsOf(protocol: SdtmProtocol, patient: PatientExportInput): Record<SdtmDomain, Row[]> {
  const own = patientRows(protocol, patient);
  const columned = (domain: SdtmDomain) => own[domain].map((row) => Object.fromEntries(SDTM_COLUMNS[domain].map((column) => [column, row[column] ?? null])));
  return { DM: columned('DM'), EX: columned('EX'), AE: columned('AE'), SUPPAE: columned('SUPPAE'), RS: columned('RS'), LB: columned('LB'), DV: columned('DV') };
}

/** The data issue of a patient whose record could not be exported: left out of every domain, listed in data-issues.csv. */
export function exportFailure(patientId: string, error: unknown): DataIssue {
  const issue = unreadableEntry(patientId, { type: null }, error, 'record');
  return { ...issue, problem: `could not be exported: ${issue.problem.replace(/^could not be read: /, '')}` };
}

/** One patient's rows of every domain. */
function patientRows(protocol: SdtmProtocol, patient: PatientExportInput): Record<SdtmDomain, Row[]> {
  const keys = { STUDYID: protocol.id, USUBJID: usubjid(protocol, patient) };
  const { ae, suppae } = adverseEvents(patient);
  return {
    DM: [{ ...keys, DOMAIN: 'DM', ...demographics(protocol, patient) }],
    EX: numbered('EXSEQ', exposure(protocol, patient)).map((row) => ({ ...keys, DOMAIN: 'EX', ...row })),
    AE: ae.map((row) => ({ ...keys, DOMAIN: 'AE', ...row })),
    SUPPAE: suppae.map((row) => ({ STUDYID: keys.STUDYID, RDOMAIN: 'AE', USUBJID: keys.USUBJID, ...row })),
    RS: numbered('RSSEQ', responses(patient)).map((row) => ({ ...keys, DOMAIN: 'RS', ...row })),
    LB: numbered('LBSEQ', labResults(patient)).map((row) => ({ ...keys, DOMAIN: 'LB', ...row })),
    DV: numbered('DVSEQ', protocolDeviations(patient)).map((row) => ({ ...keys, DOMAIN: 'DV', ...row })),
  };
}

function usubjid(protocol: SdtmProtocol, { patient }: PatientExportInput): string {
  return `${protocol.id}-${patient.subjectId}`;
}

/**
 * DM. The first dose (RFSTDTC) is the start of lymphodepletion, or the infusion without it; the
 * study treatment (RFXSTDTC, RFXENDTC, RFENDTC) is the CAR-T infusion. AGE is at the first dose, or
 * at consent for a patient never dosed. The birth date itself is not exported.
 */
function demographics(protocol: SdtmProtocol, { patient, record }: PatientExportInput): Row {
  const infusedAt = record.infusion?.infusedAt ?? null;
  const firstDose = record.lymphodepletion?.startedAt ?? infusedAt;
  const consentAt = record.consent?.signedAt ?? null;
  const ageAt = firstDose ?? consentAt;
  const age = ageAt ? (ageOn(record.demographics.birthDate, ageAt) ?? null) : null;
  const died = patient.state === 'died';
  const arm = armOf(protocol, patient.cohort);
  const planned = patient.state === 'screenFailed' ? SCREEN_FAILURE : record.enrollment ? arm : NOT_ASSIGNED;
  const actual = planned === arm && !infusedAt ? NOT_TREATED : planned;
  return {
    SUBJID: patient.subjectId,
    RFSTDTC: dateTime(firstDose),
    RFENDTC: dateTime(infusedAt),
    RFXSTDTC: dateTime(infusedAt),
    RFXENDTC: dateTime(infusedAt),
    RFICDTC: dateTime(consentAt),
    RFPENDTC: dateTime(record.offStudy?.at ?? null),
    DTHDTC: died ? dateTime(record.offStudy?.at ?? null) : null,
    DTHFL: died ? 'Y' : null,
    SITEID: patient.siteId,
    AGE: age,
    AGEU: age === null ? null : 'YEARS',
    SEX: SEX[record.demographics.sex] ?? 'U',
    ARMCD: planned.code,
    ARM: planned.name,
    ACTARMCD: actual.code,
    ACTARM: actual.name,
  };
}

interface Arm {
  code: string;
  name: string;
}

const SCREEN_FAILURE: Arm = { code: 'SCRNFAIL', name: 'Screen Failure' };
const NOT_ASSIGNED: Arm = { code: 'NOTASSGN', name: 'Not Assigned' };
const NOT_TREATED: Arm = { code: 'NOTTRT', name: 'Not Treated' };

/** The single arm of the trial, or the cohort on trials that have them. ARMCD is at most 20 characters. */
function armOf(protocol: SdtmProtocol, cohort: string | null): Arm {
  return {
    code: (cohort ?? protocol.id).toUpperCase().slice(0, 20),
    name: cohort ? `${protocol.title}, cohort ${cohort}` : protocol.title,
  };
}

/** SDTM SEX (CDISC codelist C66731); `other` is taken as UNDIFFERENTIATED. */
const SEX: Record<string, string> = { female: 'F', male: 'M', unknown: 'U', other: 'UNDIFFERENTIATED' };

/**
 * EX. Each lymphodepletion agent is one row per run of consecutive dosing days at its daily dose
 * (EXDOSFRQ QD), dated from the day lymphodepletion started; until lymphodepletion is recorded as
 * completed only the runs that began that day are shown, without an end. The infusion is one row.
 */
function exposure(protocol: SdtmProtocol, { record }: PatientExportInput): Row[] {
  const rows: Row[] = [];
  const lymphodepletion = record.lymphodepletion;
  if (lymphodepletion) {
    const firstDay = Math.min(...lymphodepletion.plan.agents.flatMap((agent) => agent.days));
    const startDate = date(lymphodepletion.startedAt)!;
    for (const agent of lymphodepletion.plan.agents) {
      for (const run of consecutiveRuns(agent.days)) {
        if (!lymphodepletion.completedAt && run.first !== firstDay) continue;
        rows.push({
          EXTRT: agent.agent.toUpperCase(),
          EXCAT: 'LYMPHODEPLETION',
          EXDOSE: agent.dailyMg,
          EXDOSU: 'mg',
          EXDOSFRM: 'INJECTION',
          EXDOSFRQ: 'QD',
          EXROUTE: 'INTRAVENOUS',
          EXSTDTC: addDays(startDate, run.first - firstDay),
          EXENDTC: lymphodepletion.completedAt ? addDays(startDate, run.last - firstDay) : null,
        });
      }
    }
  }
  if (record.infusion) {
    rows.push({
      EXTRT: (protocol.product ?? 'CAR-T cells').toUpperCase(),
      EXCAT: 'CAR-T CELL INFUSION',
      EXDOSE: record.infusion.cellsPerKg,
      EXDOSU: 'cells/kg',
      EXDOSFRM: 'INJECTION, SUSPENSION',
      EXDOSFRQ: 'ONCE',
      EXROUTE: 'INTRAVENOUS',
      EXSTDTC: dateTime(record.infusion.infusedAt),
      EXENDTC: dateTime(record.infusion.infusedAt),
    });
  }
  return rows;
}

/**
 * AE, with SUPPAE for what SDTM has no AE variable for: the DLT call (QNAM AEDLT, and AEDLTPRV while
 * it is provisional) and the grading scale (AETOXSCL: CTCAE v5.0, ASTCT CRS or ASTCT ICANS).
 *
 * A term that is a CTCAE v5.0 term is coded as CTCAE v5.0 codes it (ctcae-meddra.ts): AELLT and
 * AELLTCD are the CTCAE term and its MedDRA LLT code, AEDECOD the CTCAE term in CTCAE's spelling,
 * AEBODSYS and AESOC its primary SOC. AEPTCD stays empty: CTCAE does not give the PT, and the engine
 * ships no MedDRA dictionary to look it up. A term CTCAE does not list (ICANS, "Neutropenia") keeps
 * the reported words in AEDECOD (a required variable) and no code.
 */
function adverseEvents(patient: PatientExportInput): { ae: Row[]; suppae: Row[] } {
  const ae: Row[] = [];
  const suppae: Row[] = [];
  adverseEventFacts(patient).forEach((fact, index) => {
    const seq = index + 1;
    const ctcae = ctcaeMeddraTerm(fact.term);
    ae.push({
      AESEQ: seq,
      AESPID: String(fact.firstSeq),
      AETERM: fact.term,
      AELLT: ctcae?.term ?? null,
      AELLTCD: ctcae?.code ?? null,
      AEDECOD: ctcae?.term ?? fact.term,
      AEPTCD: null,
      AEBODSYS: ctcae?.soc ?? null,
      AESOC: ctcae?.soc ?? null,
      AESER: fact.serious ? 'Y' : 'N',
      AEREL: fact.related ? 'RELATED' : 'NOT RELATED',
      AEOUT: fact.grade === 5 ? 'FATAL' : fact.resolvedAt ? 'RECOVERED/RESOLVED' : null,
      AETOXGR: fact.grade === null ? null : String(fact.grade),
      AESTDTC: dateTime(fact.onset),
      AEENDTC: dateTime(fact.resolvedAt),
    });
    const qualifier = (QNAM: string, QLABEL: string, QVAL: string): Row => ({
      IDVAR: 'AESEQ',
      IDVARVAL: String(seq),
      QNAM,
      QLABEL,
      QVAL,
      QORIG: 'DERIVED',
      QEVAL: null,
    });
    if (fact.dlt) {
      suppae.push(qualifier('AEDLT', 'Dose-Limiting Toxicity', fact.dlt.dlt ? 'Y' : 'N'));
      if (fact.dlt.provisional) suppae.push(qualifier('AEDLTPRV', 'DLT Provisional Pending Resolution', 'Y'));
    }
    if (fact.scale) suppae.push(qualifier('AETOXSCL', 'Toxicity Grading Scale', fact.scale));
  });
  return { ae, suppae };
}

function responses({ events, computed, responseCriteria }: PatientExportInput): Row[] {
  const category = responseCriteria === 'LUGANO_2014' ? 'LUGANO 2014' : 'ALL RESPONSE CRITERIA';
  return responseFacts(events, computed).map((assessed) => ({
    RSTESTCD: 'OVRLRESP',
    RSTEST: 'Overall Response',
    RSCAT: category,
    RSORRES: assessed.response,
    RSSTRESC: assessed.response,
    VISIT: assessed.visit,
    RSDTC: dateTime(assessed.assessedAt),
  }));
}

/**
 * LB: the test code and name, category and LOINC code from the lab catalogue (LAB_TESTS); the result
 * as recorded (LBORRES, LBORRESU) and in the standard unit (LBSTRESC, LBSTRESN, LBSTRESU), which is
 * the catalogue's canonical unit (`units[0]`). Every spelling the catalogue accepts for a test is the
 * same unit (pg/ml for pg/mL, G/L for 10^9/L, µg/L for ng/mL), so the value is not converted; a lab
 * message in another unit is converted before it is recorded. A code the catalogue does not list
 * keeps its unit as the standard unit, with no category and no LOINC code.
 */
function labResults({ events }: PatientExportInput): Row[] {
  return labResultFacts(events).map((lab) => {
    const test = labTestName(lab.code);
    const catalogued = labTest(lab.code);
    return {
      LBTESTCD: test.testCode,
      LBTEST: test.test,
      LBCAT: catalogued?.category ?? null,
      LBORRES: String(lab.value),
      LBORRESU: lab.unit,
      LBSTRESC: String(lab.value),
      LBSTRESN: lab.value,
      LBSTRESU: catalogueUnit(lab.code, lab.unit)?.canonical ?? lab.unit,
      LBLOINC: catalogued?.loinc?.code ?? null,
      LBSPEC: lab.compartment ? COMPARTMENTS[lab.compartment].specimen : null,
      LBDTC: dateTime(lab.collectedAt),
    };
  });
}

/** The controlled terms of DVCAT for each category of deviation. */
const DEVIATION_CATEGORY: Record<ProtocolDeviation['category'], string> = {
  consent: 'INFORMED CONSENT',
  eligibility: 'ELIGIBILITY CRITERIA',
  visitSchedule: 'VISIT SCHEDULE',
  procedure: 'STUDY PROCEDURE',
  investigationalProduct: 'INVESTIGATIONAL PRODUCT',
  safetyReporting: 'SAFETY REPORTING',
  other: 'OTHER',
};

/**
 * DV (SDTMIG 3.4, Protocol Deviations): each deviation of the patient (README, "Protocol
 * deviations") as found or recorded. DVTERM says what happened, DVDECOD the kind (`VISIT MISSED`,
 * `RECORDED BY SITE`), DVCAT the category, DVSCAT the severity (`MAJOR`, `MINOR`), DVSPID its id.
 */
function protocolDeviations({ deviations }: PatientExportInput): Row[] {
  return (deviations ?? []).map((d) => ({
    DVSPID: d.id,
    DVTERM: d.description,
    DVDECOD: d.kind === 'recorded' ? 'RECORDED BY SITE' : d.kind.replace(/-/g, ' ').toUpperCase(),
    DVCAT: DEVIATION_CATEGORY[d.category],
    DVSCAT: d.severity.toUpperCase(),
    VISIT: d.visit ?? null,
    DVSTDTC: dateTime(d.at),
  }));
}

function numbered(seqColumn: string, rows: Row[]): Row[] {
  return rows.map((row, index) => ({ [seqColumn]: index + 1, ...row }));
}

function consecutiveRuns(days: number[]): Array<{ first: number; last: number }> {
  const runs: Array<{ first: number; last: number }> = [];
  for (const day of [...days].sort((a, b) => a - b)) {
    const run = runs[runs.length - 1];
    if (run && day === run.last + 1) run.last = day;
    else runs.push({ first: day, last: day });
  }
  return runs;
}

/** An ISO 8601 date-time in UTC to the second (`2026-03-16T10:00:00`); a date stays a date. */
function dateTime(at: string | null): string | null {
  if (at === null) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(at)) return at;
  return new Date(at).toISOString().slice(0, 19);
}

function date(at: string | null): string | null {
  return dateTime(at)?.slice(0, 10) ?? null;
}

function addDays(isoDate: string, days: number): string {
  const [year, month, day] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
