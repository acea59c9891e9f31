import type { AdverseEvent, CodeableConcept, Coding, Quantity, ResearchStudy, ResearchSubject } from '@medplum/fhirtypes';
import { ctcaeMeddraTerm, labTest, trialRefusals, type LifecycleSpec, type TrialState } from '#protocols';
import { catalogueUnit } from './lab-tests';

/**
 * The systems, extensions and value mappings of the FHIR export. What FHIR R4 has no element or
 * code for (the toxicity grade and its scale, the DLT call, the date an AE resolved, the trial's own
 * assessment and lab codes) is defined under the engine's own base URL.
 */
export const EXPORT_BASE_URL = 'https://cart-trial-engine.example/fhir';

export const EXPORT_URLS = {
  /** Complex extension on AdverseEvent: `grade` (valueInteger 1–5) and `scale` (valueString: CTCAE v5.0, ASTCT CRS, ASTCT ICANS). */
  toxicityGrade: `${EXPORT_BASE_URL}/StructureDefinition/toxicity-grade`,
  /** Complex extension on AdverseEvent: `dlt` (valueBoolean), `provisional` (valueBoolean), `reason` (valueString). */
  doseLimitingToxicity: `${EXPORT_BASE_URL}/StructureDefinition/dose-limiting-toxicity`,
  /** Extension on AdverseEvent: when the event resolved (valueDateTime); R4 has no element for it. */
  adverseEventResolved: `${EXPORT_BASE_URL}/StructureDefinition/adverse-event-resolved`,
  protocolIdentifier: `${EXPORT_BASE_URL}/sid/protocol`,
  /** Assessments the engine records (CRS grade, ICANS grade, ICE score, overall response …). */
  assessmentCodes: `${EXPORT_BASE_URL}/CodeSystem/cart-assessment`,
  /** The lab codes of the event vocabulary (CAR_COPIES, IL6, MRD …). */
  labTestCodes: `${EXPORT_BASE_URL}/CodeSystem/lab-test`,
  /** CR, CRi, PR, SD, PD, NR. */
  responseCodes: `${EXPORT_BASE_URL}/CodeSystem/overall-response`,
} as const;

/** The system of a protocol's subject ids (the study pseudonyms). */
export function subjectIdSystem(protocolId: string): string {
  return `${EXPORT_BASE_URL}/sid/${encodeURIComponent(protocolId)}/subject`;
}

export const HL7_SYSTEMS = {
  clinicalTrialsGov: 'https://clinicaltrials.gov',
  studyPhase: 'http://terminology.hl7.org/CodeSystem/research-study-phase',
  aeSeriousness: 'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness',
  aeSeverity: 'http://terminology.hl7.org/CodeSystem/adverse-event-severity',
  aeOutcome: 'http://terminology.hl7.org/CodeSystem/adverse-event-outcome',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  securityLabel: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  ucum: 'http://unitsofmeasure.org',
  /** LOINC (https://loinc.org): the codes of lab tests. */
  loinc: 'http://loinc.org',
  /**
   * MedDRA, as HL7 Terminology (THO) names it: CodeSystem `mdr`, url https://www.meddra.org (OID
   * 2.16.840.1.113883.6.163). CTCAE v5.0 terms are MedDRA LLTs and are coded in it.
   */
  meddra: 'https://www.meddra.org',
} as const;

/** The MedDRA version CTCAE v5.0 codes its terms in (CTCAE v5.0, November 27, 2017). */
export const CTCAE_V5_MEDDRA_VERSION = '20.1';

type SubjectStatus = ResearchSubject['status'];

/**
 * The R4 ResearchSubject.status of each state a site names a patient by (docs/clinical.md, section
 * "Interoperability"). Manufacturing through the infusion is the intervention; after the single
 * infusion the patient is observed by the study's assessments (`on-study-observation`: the DLT window
 * and the wait for the primary response assessment), then followed up; every final state but
 * withdrawal and screen failure is off study.
 */
export const RESEARCH_SUBJECT_STATUS: Readonly<Record<string, SubjectStatus>> = {
  screening: 'screening',
  eligible: 'eligible',
  enrolled: 'on-study',
  manufacturing: 'on-study-intervention',
  productReleased: 'on-study-intervention',
  lymphodepletion: 'on-study-intervention',
  readyForInfusion: 'on-study-intervention',
  dltWindow: 'on-study-observation',
  responseAssessment: 'on-study-observation',
  followUp: 'follow-up',
  completed: 'off-study',
  withdrawn: 'withdrawn',
  screenFailed: 'ineligible',
  died: 'off-study',
  lostToFollowUp: 'off-study',
  manufacturingFailed: 'off-study',
};

export function researchSubjectStatus(state: string): SubjectStatus {
  const status = RESEARCH_SUBJECT_STATUS[state];
  if (!status) throw new RangeError(`no ResearchSubject status is mapped for the patient state "${state}"`);
  return status;
}

/**
 * The R4 ResearchStudy.status of the trial row: closed to accrual for good once dose escalation
 * stopped or the target is enrolled, for now while the trial refuses enrollment otherwise (a full
 * cohort awaiting DLT evaluation), else active.
 */
export function researchStudyStatus(spec: LifecycleSpec, trial: TrialState, now: string): NonNullable<ResearchStudy['status']> {
  if (trial.status === 'stopped' || trial.enrolled >= spec.targetEnrollment) return 'closed-to-accrual';
  return trialRefusals(spec, trial, { type: 'ENROLLED', occurredAt: now, data: {} }).length ? 'temporarily-closed-to-accrual' : 'active';
}

const STUDY_PHASES: Record<string, { code: string; display: string }> = {
  'not applicable': { code: 'n-a', display: 'N/A' },
  'n/a': { code: 'n-a', display: 'N/A' },
  'early phase 1': { code: 'early-phase-1', display: 'Early Phase 1' },
  'phase 1': { code: 'phase-1', display: 'Phase 1' },
  'phase 1/phase 2': { code: 'phase-1-phase-2', display: 'Phase 1/Phase 2' },
  'phase 1/2': { code: 'phase-1-phase-2', display: 'Phase 1/Phase 2' },
  'phase 2': { code: 'phase-2', display: 'Phase 2' },
  'phase 2/phase 3': { code: 'phase-2-phase-3', display: 'Phase 2/Phase 3' },
  'phase 2/3': { code: 'phase-2-phase-3', display: 'Phase 2/Phase 3' },
  'phase 3': { code: 'phase-3', display: 'Phase 3' },
  'phase 4': { code: 'phase-4', display: 'Phase 4' },
};

/**
 * The protocol's phase, coded in `research-study-phase` when it is one of ClinicalTrials.gov's phase
 * names; a phase the record does not state ("single arm, phase not stated") keeps its words only.
 */
export function researchStudyPhase(phase: string): NonNullable<ResearchStudy['phase']> {
  const known = STUDY_PHASES[phase.trim().toLowerCase().replace(/\s+/g, ' ')];
  return known ? { coding: [{ system: HL7_SYSTEMS.studyPhase, ...known }], text: phase } : { text: phase };
}

/** R4 AdverseEvent.severity has three levels: CTCAE grade 1 is mild, 2 moderate, 3 and above severe. */
export function adverseEventSeverity(grade: number): NonNullable<AdverseEvent['severity']> {
  const [code, display] = grade <= 1 ? ['mild', 'Mild'] : grade === 2 ? ['moderate', 'Moderate'] : ['severe', 'Severe'];
  return { coding: [{ system: HL7_SYSTEMS.aeSeverity, code, display }] };
}

export function adverseEventSeriousness(serious: boolean): NonNullable<AdverseEvent['seriousness']> {
  const [code, display] = serious ? ['Serious', 'Serious'] : ['Non-serious', 'Non-serious'];
  return { coding: [{ system: HL7_SYSTEMS.aeSeriousness, code, display }] };
}

export function observationCategory(code: 'laboratory' | 'exam'): CodeableConcept {
  const display = code === 'laboratory' ? 'Laboratory' : 'Exam';
  return { coding: [{ system: HL7_SYSTEMS.observationCategory, code, display }] };
}

const RESPONSE_NAMES: Record<string, string> = {
  CR: 'Complete response',
  CRi: 'Complete response with incomplete count recovery',
  PR: 'Partial response',
  SD: 'Stable disease',
  PD: 'Progressive disease',
  NR: 'No response',
};

export function overallResponse(response: string): CodeableConcept {
  const display = RESPONSE_NAMES[response] ?? response;
  return { coding: [{ system: EXPORT_URLS.responseCodes, code: response, display }], text: display };
}

export function assessmentCode(code: string, display: string): CodeableConcept {
  return { coding: [{ system: EXPORT_URLS.assessmentCodes, code, display }], text: display };
}

/**
 * The adverse event's term (AdverseEvent.event): the reported words as text and, when the term is a
 * CTCAE v5.0 term, its MedDRA LLT code as CTCAE v5.0 prints it (libs/protocols ctcae-meddra.ts). A
 * term CTCAE does not list (ICANS, graded by ASTCT; "Neutropenia") keeps its words only.
 */
export function adverseEventTerm(reported: string): CodeableConcept {
  const ctcae = ctcaeMeddraTerm(reported);
  if (!ctcae) return { text: reported };
  return { coding: [{ system: HL7_SYSTEMS.meddra, version: CTCAE_V5_MEDDRA_VERSION, code: ctcae.code, display: ctcae.term }], text: reported };
}

/**
 * What a lab result measured (Observation.code): its LOINC code where the lab catalogue (LAB_TESTS,
 * libs/protocols/src/rules/lab-results.ts) has one, then the engine's own code, which every result
 * keeps; the trial-specific assays (CAR copies, CAR-T %, MRD) and codes the catalogue does not list
 * have the engine's code only.
 */
export function labTestCode(code: string, name: string): CodeableConcept {
  const loinc = labTest(code)?.loinc;
  const coding: Coding[] = [];
  if (loinc) coding.push({ system: HL7_SYSTEMS.loinc, code: loinc.code, display: loinc.display });
  coding.push({ system: EXPORT_URLS.labTestCodes, code, display: name });
  return { coding, text: name };
}

/**
 * A lab value with its unit as recorded and, for a catalogued test, the UCUM code of the test's unit:
 * every spelling the catalogue accepts for a test (pg/mL and pg/ml, 10^9/L and G/L) is the same unit,
 * so the value needs no conversion. A code the catalogue does not list falls back to `quantity`.
 */
export function labQuantity(code: string, value: number, unit: string): Quantity {
  const catalogued = catalogueUnit(code, unit);
  return catalogued ? { value, unit, system: HL7_SYSTEMS.ucum, code: catalogued.ucum } : quantity(value, unit);
}

/** UCUM codes of the units sites use most; any other unit is exported as written, without a code. */
const UCUM_CODES: Record<string, string> = { '%': '%', 'pg/mL': 'pg/mL', 'ng/mL': 'ng/mL', '°C': 'Cel', Cel: 'Cel' };

export function quantity(value: number, unit: string): Quantity {
  const code = Object.hasOwn(UCUM_CODES, unit) ? UCUM_CODES[unit] : undefined;
  return code ? { value, unit, system: HL7_SYSTEMS.ucum, code } : { value, unit };
}
