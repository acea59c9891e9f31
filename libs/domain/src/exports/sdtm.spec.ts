import { findProtocol, LAB_TESTS } from '#protocols';
import { toCsv } from './csv';
import type { PatientExportInput } from './export-input';
import { labTestName } from './lab-tests';
import {
  CATALOGUE_LAB_RESULTS,
  CD19_PATIENT,
  CRS_TERM,
  ICANS_TERM,
  UNLISTED_LAB_RESULT,
  cd19PatientInFollowUp,
  cd19PatientInfused,
  cd19PatientInScreening,
  cd19PatientWithLabPanel,
  cd20Cd22NhlPatientAtWeek4,
} from './patient-log.factory';
import { SDTM_COLUMNS, type SdtmDomain, sdtmTables } from './sdtm';

const cd19 = findProtocol('cd19-rr-all', 1)!.spec;
const tablesOf = (...patients: PatientExportInput[]) => sdtmTables({ protocol: cd19, patients });

const treated = cd19PatientInFollowUp().build();
const screenFailed = cd19PatientInScreening({ id: 'p-0003', subjectId: '002-0003' }).post('SCREEN_FAILED', '2026-02-26T10:00:00.000Z', { reason: 'LVEF 0.41' }).build();
const died = cd19PatientInfused({ id: 'p-0009', subjectId: '002-0009' }).post('DEATH', '2026-03-30T03:00:00.000Z', { cause: 'sepsis' }).build();
const tables = tablesOf(treated, screenFailed, died);
const rowsOf = (domain: SdtmDomain, subjectId: string) => tables[domain].rows.filter((r) => r.USUBJID === `cd19-rr-all-${subjectId}`);

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$/;

describe('sdtmTables', () => {
  it('gives DM, EX, AE, SUPPAE, RS, LB and DV, each row with exactly its domain’s columns, ordered by USUBJID', () => {
    expect(Object.keys(tables).sort()).toEqual(['AE', 'DM', 'DV', 'EX', 'LB', 'RS', 'SUPPAE']);
    for (const [domain, table] of Object.entries(tables) as Array<[SdtmDomain, (typeof tables)[SdtmDomain]]>) {
      expect(table.columns).toEqual(SDTM_COLUMNS[domain]);
      for (const row of table.rows) {
        expect(Object.keys(row)).toEqual(table.columns);
        expect(row.STUDYID).toBe('cd19-rr-all');
        if (domain !== 'SUPPAE') expect(row.DOMAIN).toBe(domain);
      }
    }
    expect(tables.DM.rows.map((r) => r.USUBJID)).toEqual(['cd19-rr-all-002-0003', 'cd19-rr-all-002-0007', 'cd19-rr-all-002-0009']);
    expect(tablesOf(died, screenFailed, treated)).toEqual(tables);
  });

  it('writes every --DTC as ISO 8601 (UTC, to the second, or a date)', () => {
    for (const table of Object.values(tables)) {
      for (const row of table.rows) {
        for (const column of table.columns.filter((c) => c.endsWith('DTC'))) {
          if (row[column] !== null) expect({ column, value: row[column] }).toEqual({ column, value: expect.stringMatching(ISO_8601) });
        }
      }
    }
  });

  describe('DM', () => {
    it('gives the treated patient first dose at lymphodepletion, the infusion as study treatment, age at first dose, the arm', () => {
      expect(rowsOf('DM', '002-0007')).toEqual([
        {
          STUDYID: 'cd19-rr-all',
          DOMAIN: 'DM',
          USUBJID: 'cd19-rr-all-002-0007',
          SUBJID: '002-0007',
          RFSTDTC: '2026-03-11T08:00:00',
          RFENDTC: '2026-03-16T10:00:00',
          RFXSTDTC: '2026-03-16T10:00:00',
          RFXENDTC: '2026-03-16T10:00:00',
          RFICDTC: '2026-02-23T10:00:00',
          RFPENDTC: null,
          DTHDTC: null,
          DTHFL: null,
          SITEID: 'site-01',
          AGE: 34,
          AGEU: 'YEARS',
          SEX: 'F',
          ARMCD: 'CD19-RR-ALL',
          ARM: cd19.title,
          ACTARMCD: 'CD19-RR-ALL',
          ACTARM: cd19.title,
        },
      ]);
    });

    it('gives a screen failure the SCRNFAIL arm, no dosing dates and the age at consent', () => {
      expect(rowsOf('DM', '002-0003')[0]).toMatchObject({
        ARMCD: 'SCRNFAIL',
        ARM: 'Screen Failure',
        ACTARMCD: 'SCRNFAIL',
        RFSTDTC: null,
        RFXSTDTC: null,
        RFICDTC: '2026-02-23T10:00:00',
        RFPENDTC: '2026-02-26T10:00:00',
        AGE: 34,
      });
    });

    it('flags a death with its date', () => {
      expect(rowsOf('DM', '002-0009')[0]).toMatchObject({
        DTHFL: 'Y',
        DTHDTC: '2026-03-30T03:00:00',
        RFPENDTC: '2026-03-30T03:00:00',
        ACTARMCD: 'CD19-RR-ALL',
      });
    });

    it('tells apart a patient not yet assigned and one enrolled but not treated', () => {
      const screening = cd19PatientInScreening({ id: 'p-0010', subjectId: '002-0010' }).build();
      const attestations = Object.keys(cd19.attestations);
      const enrolled = cd19PatientInScreening({ id: 'p-0011', subjectId: '002-0011' })
        .post('ELIGIBILITY_CONFIRMED', '2026-03-02T11:00:00.000Z', { attestations })
        .post('ENROLLED', '2026-03-03T09:00:00.000Z')
        .build();
      const dm = tablesOf(screening, enrolled).DM.rows;
      expect(dm.map((r) => [r.ARMCD, r.ACTARMCD, r.ACTARM])).toEqual([
        ['NOTASSGN', 'NOTASSGN', 'Not Assigned'],
        ['CD19-RR-ALL', 'NOTTRT', 'Not Treated'],
      ]);
    });

    it('does not export the birth date', () => {
      expect(JSON.stringify(tables)).not.toContain(CD19_PATIENT.birthDate);
      expect(tables.DM.columns).not.toContain('BRTHDTC');
    });
  });

  describe('EX', () => {
    it('gives each lymphodepletion agent its daily dose (mg, QD) over its days, and the CAR-T infusion in cells/kg', () => {
      expect(rowsOf('EX', '002-0007').map(({ STUDYID: _s, DOMAIN: _d, USUBJID: _u, ...row }) => row)).toEqual([
        {
          EXSEQ: 1,
          EXTRT: 'FLUDARABINE',
          EXCAT: 'LYMPHODEPLETION',
          EXDOSE: 54.6,
          EXDOSU: 'mg',
          EXDOSFRM: 'INJECTION',
          EXDOSFRQ: 'QD',
          EXROUTE: 'INTRAVENOUS',
          EXSTDTC: '2026-03-11',
          EXENDTC: '2026-03-13',
        },
        {
          EXSEQ: 2,
          EXTRT: 'CYCLOPHOSPHAMIDE',
          EXCAT: 'LYMPHODEPLETION',
          EXDOSE: 546,
          EXDOSU: 'mg',
          EXDOSFRM: 'INJECTION',
          EXDOSFRQ: 'QD',
          EXROUTE: 'INTRAVENOUS',
          EXSTDTC: '2026-03-11',
          EXENDTC: '2026-03-13',
        },
        {
          EXSEQ: 3,
          EXTRT: 'CD19 CAR-T (LOCALLY PRODUCED)',
          EXCAT: 'CAR-T CELL INFUSION',
          EXDOSE: 5e6,
          EXDOSU: 'cells/kg',
          EXDOSFRM: 'INJECTION, SUSPENSION',
          EXDOSFRQ: 'ONCE',
          EXROUTE: 'INTRAVENOUS',
          EXSTDTC: '2026-03-16T10:00:00',
          EXENDTC: '2026-03-16T10:00:00',
        },
      ]);
    });

    it('leaves the end open while lymphodepletion runs, and has no exposure for a patient never dosed', () => {
      const attestations = Object.keys(cd19.attestations);
      const midLymphodepletion = cd19PatientInScreening({ id: 'p-0012', subjectId: '002-0012' })
        .post('ELIGIBILITY_CONFIRMED', '2026-03-02T11:00:00.000Z', { attestations })
        .post('ENROLLED', '2026-03-03T09:00:00.000Z')
        .custodyToRelease('2026-03-04T13:00:00.000Z', '2026-03-09T15:00:00.000Z')
        .post('LYMPHODEPLETION_STARTED', '2026-03-11T08:00:00.000Z')
        .build();
      expect(tablesOf(midLymphodepletion).EX.rows.map((r) => [r.EXTRT, r.EXSTDTC, r.EXENDTC])).toEqual([
        ['FLUDARABINE', '2026-03-11', null],
        ['CYCLOPHOSPHAMIDE', '2026-03-11', null],
      ]);
      expect(rowsOf('EX', '002-0003')).toEqual([]);
    });
  });

  describe('AE and SUPPAE', () => {
    it('gives one row per adverse event with the CTCAE/ASTCT grade, seriousness, relatedness, outcome and dates', () => {
      expect(rowsOf('AE', '002-0007').map(({ STUDYID: _s, DOMAIN: _d, USUBJID: _u, ...row }) => row)).toEqual([
        {
          AESEQ: 1,
          AESPID: '18',
          AETERM: CRS_TERM,
          AELLT: CRS_TERM,
          AELLTCD: '10052015',
          AEDECOD: CRS_TERM,
          AEPTCD: null,
          AEBODSYS: 'Immune system disorders',
          AESOC: 'Immune system disorders',
          AESER: 'Y',
          AEREL: 'RELATED',
          AEOUT: 'RECOVERED/RESOLVED',
          AETOXGR: '3',
          AESTDTC: '2026-03-18T06:00:00',
          AEENDTC: '2026-03-23',
        },
        {
          AESEQ: 2,
          AESPID: '20',
          AETERM: ICANS_TERM,
          AELLT: null,
          AELLTCD: null,
          AEDECOD: ICANS_TERM,
          AEPTCD: null,
          AEBODSYS: null,
          AESOC: null,
          AESER: 'N',
          AEREL: 'RELATED',
          AEOUT: null,
          AETOXGR: '2',
          AESTDTC: '2026-03-20',
          AEENDTC: null,
        },
        {
          AESEQ: 3,
          AESPID: '21',
          AETERM: 'Neutropenia',
          AELLT: null,
          AELLTCD: null,
          AEDECOD: 'Neutropenia',
          AEPTCD: null,
          AEBODSYS: null,
          AESOC: null,
          AESER: 'N',
          AEREL: 'NOT RELATED',
          AEOUT: null,
          AETOXGR: '4',
          AESTDTC: '2026-03-17',
          AEENDTC: null,
        },
      ]);
    });

    it('codes a CTCAE v5.0 term with its MedDRA LLT code and SOC, in CTCAE’s spelling, and never makes up a code', () => {
      const ae = tablesOf(cd19PatientWithLabPanel().build()).AE.rows;
      const coded = (term: string) => {
        const row = ae.find((r) => r.AETERM === term)!;
        return [row.AELLT, row.AELLTCD, row.AEDECOD, row.AEPTCD, row.AEBODSYS, row.AETOXGR];
      };
      expect(coded('Neutrophil count decreased')).toEqual(['Neutrophil count decreased', '10029366', 'Neutrophil count decreased', null, 'Investigations', '4']);
      expect(coded('platelet count decreased')).toEqual(['Platelet count decreased', '10035528', 'Platelet count decreased', null, 'Investigations', '3']);
      expect(coded('Neutropenia')).toEqual([null, null, 'Neutropenia', null, null, '4']);
      expect(coded(ICANS_TERM)).toEqual([null, null, ICANS_TERM, null, null, '2']);
      const at = (name: string) => SDTM_COLUMNS.AE.indexOf(name);
      expect([at('AETERM'), at('AELLT'), at('AELLTCD'), at('AEDECOD'), at('AEPTCD'), at('AEBODSYS'), at('AESOC'), at('AESER')]).toEqual(
        [...Array(8).keys()].map((i) => at('AETERM') + i),
      );
      expect(at('AETOXGR')).toBeLessThan(at('AESTDTC'));
    });

    it('puts the DLT call and the grading scale in SUPPAE, keyed by AESEQ', () => {
      const qualifiers = rowsOf('SUPPAE', '002-0007').map((r) => [r.IDVARVAL, r.QNAM, r.QVAL]);
      expect(qualifiers).toEqual([
        ['1', 'AEDLT', 'Y'],
        ['1', 'AETOXSCL', 'ASTCT CRS'],
        ['2', 'AEDLT', 'N'],
        ['2', 'AETOXSCL', 'ASTCT ICANS'],
        ['3', 'AEDLT', 'N'],
        ['3', 'AETOXSCL', 'CTCAE v5.0'],
      ]);
      for (const row of tables.SUPPAE.rows) {
        expect(row).toMatchObject({ RDOMAIN: 'AE', IDVAR: 'AESEQ', QORIG: 'DERIVED' });
        expect(String(row.QNAM).length).toBeLessThanOrEqual(8);
        expect(String(row.QLABEL).length).toBeLessThanOrEqual(40);
      }
    });

    it('flags a provisional DLT while an expected event has not resolved', () => {
      const cd20 = findProtocol('cd20-cd22', 1)!.spec;
      const nhl = sdtmTables({ protocol: cd20, patients: [cd20Cd22NhlPatientAtWeek4().build()] });
      expect(nhl.AE.rows.map((r) => [r.AETERM, r.AETOXGR, r.AEOUT])).toEqual([[CRS_TERM, '3', null]]);
      expect(nhl.SUPPAE.rows.map((r) => [r.IDVARVAL, r.QNAM, r.QVAL])).toEqual([
        ['1', 'AEDLT', 'Y'],
        ['1', 'AEDLTPRV', 'Y'],
        ['1', 'AETOXSCL', 'ASTCT CRS'],
      ]);
    });
  });

  describe('RS', () => {
    it('gives the overall response of each assessment with the criteria as RSCAT', () => {
      expect(rowsOf('RS', '002-0007')).toEqual([
        {
          STUDYID: 'cd19-rr-all',
          DOMAIN: 'RS',
          USUBJID: 'cd19-rr-all-002-0007',
          RSSEQ: 1,
          RSTESTCD: 'OVRLRESP',
          RSTEST: 'Overall Response',
          RSCAT: 'ALL RESPONSE CRITERIA',
          RSORRES: 'CR',
          RSSTRESC: 'CR',
          VISIT: 'D28',
          RSDTC: '2026-04-12T18:00:00',
        },
      ]);
    });

    it('names Lugano 2014 for a B-NHL patient, and the cohort as the arm', () => {
      const cd20 = findProtocol('cd20-cd22', 1)!.spec;
      const nhl = sdtmTables({ protocol: cd20, patients: [cd20Cd22NhlPatientAtWeek4().build()] });
      expect(nhl.RS.rows.map((r) => [r.RSCAT, r.RSORRES, r.VISIT])).toEqual([['LUGANO 2014', 'PR', 'W4']]);
      expect(nhl.DM.rows[0]).toMatchObject({ ARMCD: 'B-NHL', ARM: `${cd20.title}, cohort B-NHL`, SEX: 'M', AGE: 52 });
    });
  });

  describe('DV', () => {
    const deviations: PatientExportInput['deviations'] = [
      {
        id: 'visit-out-of-window:D7',
        kind: 'visit-out-of-window',
        category: 'visitSchedule',
        severity: 'minor',
        rule: 'visit D7 is done within its window, 2026-03-22 to 2026-03-24 (day 7)',
        description: 'Visit D7 was done on 2026-03-30, after its window closed',
        at: '2026-03-30T09:00:00.000Z',
        source: 'engine',
        visit: 'D7',
      },
      {
        id: 'recorded:31',
        kind: 'recorded',
        category: 'procedure',
        severity: 'major',
        rule: 'ICE score at baseline',
        description: 'ICE score not done before the infusion',
        at: '2026-03-16T08:00:00.000Z',
        source: 'site',
        seq: 31,
      },
    ];

    it('gives one row per deviation: what happened, its kind, category and severity, numbered per subject', () => {
      const dv = tablesOf({ ...treated, deviations }).DV.rows;
      expect(dv).toEqual([
        expect.objectContaining({
          DOMAIN: 'DV',
          DVSEQ: 1,
          DVSPID: 'visit-out-of-window:D7',
          DVTERM: 'Visit D7 was done on 2026-03-30, after its window closed',
          DVDECOD: 'VISIT OUT OF WINDOW',
          DVCAT: 'VISIT SCHEDULE',
          DVSCAT: 'MINOR',
          VISIT: 'D7',
          DVSTDTC: '2026-03-30T09:00:00',
        }),
        expect.objectContaining({ DVSEQ: 2, DVDECOD: 'RECORDED BY SITE', DVCAT: 'STUDY PROCEDURE', DVSCAT: 'MAJOR', VISIT: null, DVSTDTC: '2026-03-16T08:00:00' }),
      ]);
    });

    it('is empty for a patient without deviations', () => {
      expect(tables.DV.rows).toEqual([]);
    });
  });

  describe('LB', () => {
    it('gives each lab result with an SDTM test code, the unit, the specimen and the collection time', () => {
      expect(rowsOf('LB', '002-0007').map((r) => [r.LBSEQ, r.LBTESTCD, r.LBTEST, r.LBORRES, r.LBORRESU, r.LBSTRESN, r.LBSPEC, r.LBDTC])).toEqual([
        [1, 'IL6', 'Interleukin 6', '412.5', 'pg/mL', 412.5, 'BLOOD', '2026-03-18T07:00:00'],
        [2, 'CARCOPY', 'CAR Transgene Copies', '15234', 'copies/µg gDNA', 15234, 'BLOOD', '2026-03-23T08:00:00'],
        [3, 'CARCOPY', 'CAR Transgene Copies', '2210', 'copies/µg gDNA', 2210, 'BONE MARROW', '2026-04-12T08:30:00'],
        [4, 'MRD', 'Minimal Residual Disease', '0.004', '%', 0.004, 'BONE MARROW', '2026-04-12T08:30:00'],
      ]);
    });

    it('lists LBCAT after LBTEST and LBLOINC after the standard units, as SDTMIG orders them', () => {
      const at = (name: string) => SDTM_COLUMNS.LB.indexOf(name);
      expect(at('LBTEST')).toBeLessThan(at('LBCAT'));
      expect(at('LBCAT')).toBeLessThan(at('LBORRES'));
      expect(at('LBSTRESU')).toBeLessThan(at('LBLOINC'));
      expect(at('LBLOINC')).toBeLessThan(at('LBSPEC'));
      expect(at('LBSPEC')).toBeLessThan(at('LBDTC'));
    });

    it('codes every catalogued test from the catalogue: test code, category, LOINC where it has one, the result as reported and in the standard unit', () => {
      const panel = tablesOf(cd19PatientWithLabPanel().build()).LB.rows.filter((r) => r.LBDTC === '2026-04-15T07:30:00');
      expect(panel).toHaveLength(CATALOGUE_LAB_RESULTS.length + 1);
      for (const { code, value, unit } of CATALOGUE_LAB_RESULTS) {
        const test = LAB_TESTS[code];
        const row = panel.find((r) => r.LBTESTCD === test.sdtm.testCode);
        expect({ code, row }).toEqual({
          code,
          row: expect.objectContaining({
            LBTEST: test.sdtm.test,
            LBCAT: test.category,
            LBORRES: String(value),
            LBORRESU: unit,
            LBSTRESC: String(value),
            LBSTRESN: value,
            LBSTRESU: test.units[0],
            LBLOINC: test.loinc?.code ?? null,
            LBSPEC: 'BLOOD',
          }),
        });
      }
      const row = (testCode: string) => panel.find((r) => r.LBTESTCD === testCode)!;
      expect([row('WBC').LBORRESU, row('WBC').LBSTRESU, row('WBC').LBLOINC]).toEqual(['G/L', '10^9/L', '6690-2']);
      expect([row('FERRITIN').LBORRESU, row('FERRITIN').LBSTRESU]).toEqual(['µg/L', 'ng/mL']);
      expect([row('CARCOPY').LBLOINC, row('CARTPCT').LBLOINC, row('MRD').LBLOINC]).toEqual([null, null, null]);
      expect(row('D_DIMER')).toMatchObject({ LBCAT: null, LBLOINC: null, LBORRESU: UNLISTED_LAB_RESULT.unit, LBSTRESU: UNLISTED_LAB_RESULT.unit, LBSTRESN: 2.3 });
    });

    it('does not relabel a stored value in a unit the catalogue does not accept as the standard unit', () => {
      const log = cd19PatientWithLabPanel().build();
      const anc = log.events.find((e) => e.type === 'LAB_RESULT_RECORDED' && (e.data as { code: string }).code === 'ANC')!;
      Object.assign(anc, { data: { ...anc.data, value: 300, unit: '/uL' } });
      const row = tablesOf(log).LB.rows.find((r) => r.LBTESTCD === 'NEUT')!;
      expect([row.LBORRES, row.LBORRESU, row.LBSTRESN, row.LBSTRESU, row.LBLOINC]).toEqual(['300', '/uL', 300, '/uL', '751-8']);
    });

    it('keeps a test code within SDTM’s 8 characters, also for a code the vocabulary does not list', () => {
      for (const row of tables.LB.rows) expect(row.LBTESTCD).toMatch(/^[A-Z_][A-Z0-9_]{0,7}$/);
      expect(labTestName('CD19_NEG_BLASTS_PCT').testCode).toBe('CD19_NEG');
      expect(labTestName('4-1BB').testCode).toBe('X41BB');
      expect(labTestName('D_DIMER')).toEqual({ name: 'D_DIMER', testCode: 'D_DIMER', test: 'D_DIMER' });
      expect(labTestName('FERRITIN')).toEqual({ name: 'Ferritin', testCode: 'FERRITIN', test: 'Ferritin' });
    });
  });

  it('writes a domain as CSV with its columns as the header, quoting where RFC 4180 asks', () => {
    const csv = toCsv(tables.EX);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(SDTM_COLUMNS.EX.join(','));
    expect(csv).toContain(',"INJECTION, SUSPENSION",ONCE,');
    expect(lines.filter(Boolean)).toHaveLength(1 + tables.EX.rows.length);
  });
});
