import type {
  AdverseEvent,
  Bundle,
  BundleEntry,
  Extension,
  Observation,
  ObservationComponent,
  OperationOutcome,
  Patient,
  ResearchStudy,
  ResearchSubject,
  Resource,
  Specimen,
} from '@medplum/fhirtypes';
import { type AdverseEventFact, adverseEventFacts, labResultFacts, type LabResultFact, type ResponseFact, responseFacts } from './clinical-facts';
import type { DataIssue } from '#protocols';
import type { PatientExportInput } from './export-input';
import {
  EXPORT_URLS,
  HL7_SYSTEMS,
  adverseEventSeriousness,
  adverseEventSeverity,
  adverseEventTerm,
  assessmentCode,
  labQuantity,
  labTestCode,
  observationCategory,
  overallResponse,
  quantity,
  researchStudyPhase,
  researchSubjectStatus,
  subjectIdSystem,
} from './fhir-terms';
import { COMPARTMENTS, labTestName } from './lab-tests';
import { urnUuid } from './name-based-uuid';

/** The protocol as the FHIR export describes it (ResearchStudy). */
export interface FhirProtocol {
  id: string;
  version: number;
  title: string;
  registryId: string | null;
  phase: string;
  /** The CAR-T product, named as the suspect of every adverse event. */
  product?: string;
  /** The study's R4 status; `active` unless given. */
  status?: ResearchStudy['status'];
}

export interface PatientFhirBundleInput extends PatientExportInput {
  protocol: FhirProtocol;
  /** When the bundle is made (Bundle.timestamp, an instant). */
  generatedAt: string;
}

/**
 * A patient's record as a FHIR R4 `collection` Bundle (docs/api.md, section "Routes", `GET /patients/:id/fhir`): the
 * ResearchStudy, a pseudonymous Patient, the ResearchSubject, one AdverseEvent per adverse event
 * (with a CRS or ICANS grade Observation where the engine graded it from the ASTCT findings), and an
 * Observation per lab result and per response assessment. Entries are named by `urn:uuid:` UUIDs
 * derived from the patient and the log, so the same log always gives the same bundle.
 */
export function patientFhirBundle(input: PatientFhirBundleInput): Bundle {
  const { patient, events, computed, protocol } = input;
  const urls = {
    study: urnUuid(`research-study/${protocol.id}@${protocol.version}`),
    patient: urnUuid(`patient/${patient.id}`),
    subject: urnUuid(`research-subject/${patient.id}`),
  };
  const entries: BundleEntry[] = [entry(urls.study, researchStudy(input)), entry(urls.patient, pseudonymousPatient(input)), entry(urls.subject, researchSubject(input, urls))];
  for (const ae of adverseEventFacts(input)) {
    const aeUrl = urnUuid(`adverse-event/${patient.id}/${ae.firstSeq}`);
    entries.push(entry(aeUrl, adverseEvent(ae, input.protocol, urls)));
    const grade = syndromeGrade(ae, urls.patient, aeUrl);
    if (grade) entries.push(entry(urnUuid(`syndrome-grade/${patient.id}/${ae.firstSeq}`), grade));
  }
  for (const lab of labResultFacts(events)) {
    entries.push(entry(urnUuid(`lab-result/${patient.id}/${lab.seq}`), labObservation(lab, urls.patient)));
  }
  for (const assessed of responseFacts(events, computed)) {
    entries.push(entry(urnUuid(`response/${patient.id}/${assessed.seq}`), responseObservation(assessed, input, urls.patient)));
  }
  if (input.dataIssues.length) entries.push(entry(urnUuid(`data-issues/${patient.id}`), dataIssuesOutcome(input.dataIssues)));
  return bundleOf(input, entries);
}

/**
 * What is left of the bundle when the record cannot be exported at all: the study, and an
 * OperationOutcome naming what could not be read.
 */
export function dataIssuesBundle(input: PatientFhirBundleInput, issues: readonly DataIssue[]): Bundle {
  const study = urnUuid(`research-study/${input.protocol.id}@${input.protocol.version}`);
  return bundleOf(input, [entry(study, researchStudy(input)), entry(urnUuid(`data-issues/${input.patient.id}`), dataIssuesOutcome(issues))]);
}

function bundleOf({ patient, events, generatedAt }: PatientFhirBundleInput, entries: BundleEntry[]): Bundle {
  const lastSeq = Math.max(0, ...events.map((e) => e.seq));
  return {
    resourceType: 'Bundle',
    identifier: { system: 'urn:ietf:rfc:3986', value: urnUuid(`bundle/${patient.id}/${lastSeq}`) },
    type: 'collection',
    timestamp: generatedAt,
    entry: entries,
  };
}

/**
 * The stored log entries the bundle leaves out, as warnings: each names the entry (its seq and
 * type), the field and what is wrong, so the record can be corrected at the site.
 */
function dataIssuesOutcome(issues: readonly DataIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity: 'warning',
      code: 'invalid',
      diagnostics: `${i.seq === null ? 'the patient record' : `log entry ${i.seq}${i.type ? ` (${i.type})` : ''}`}: ${i.field} ${i.problem}; left out of this export`,
    })),
  };
}

function entry(fullUrl: string, resource: Resource): BundleEntry {
  return { fullUrl, resource };
}

function researchStudy({ protocol, patient }: PatientFhirBundleInput): ResearchStudy {
  return {
    resourceType: 'ResearchStudy',
    identifier: [
      ...(protocol.registryId ? [{ use: 'official' as const, system: HL7_SYSTEMS.clinicalTrialsGov, value: protocol.registryId }] : []),
      { use: 'secondary', system: EXPORT_URLS.protocolIdentifier, value: protocol.id },
    ],
    title: protocol.title,
    protocol: [{ display: `${protocol.id} version ${protocol.version}` }],
    status: protocol.status ?? 'active',
    phase: researchStudyPhase(protocol.phase),
    ...(patient.cohort ? { arm: [{ name: patient.cohort }] } : {}),
  };
}

/**
 * The patient without direct identifiers: no name, contact, address or full birth date. The subject
 * id (the study's pseudonym) is the only identifier; the birth date is cut to its year, which FHIR's
 * `date` type allows; the record is labelled pseudonymised.
 */
function pseudonymousPatient({ patient, record }: PatientFhirBundleInput): Patient {
  const birthYear = /^\d{4}/.exec(record.demographics.birthDate)?.[0];
  return {
    resourceType: 'Patient',
    meta: { security: [{ system: HL7_SYSTEMS.securityLabel, code: 'PSEUDED', display: 'pseudonymized' }] },
    identifier: [{ system: subjectIdSystem(patient.protocolId), value: patient.subjectId }],
    gender: record.demographics.sex,
    ...(birthYear ? { birthDate: birthYear } : {}),
    ...(patient.state === 'died' ? { deceasedBoolean: true } : {}),
  };
}

function researchSubject({ patient, record, events }: PatientFhirBundleInput, urls: { study: string; patient: string }): ResearchSubject {
  const registeredAt = [...events].sort((a, b) => a.seq - b.seq)[0]?.occurredAt;
  const start = record.consent?.signedAt ?? registeredAt;
  const end = record.offStudy?.at;
  return {
    resourceType: 'ResearchSubject',
    identifier: [{ system: subjectIdSystem(patient.protocolId), value: patient.subjectId }],
    status: researchSubjectStatus(patient.state),
    ...(start || end ? { period: { ...(start ? { start } : {}), ...(end ? { end } : {}) } } : {}),
    study: { reference: urls.study },
    individual: { reference: urls.patient },
    ...(patient.cohort && record.enrollment ? { assignedArm: patient.cohort } : {}),
    ...(patient.cohort && record.infusion ? { actualArm: patient.cohort } : {}),
  };
}

function adverseEvent(ae: AdverseEventFact, protocol: FhirProtocol, urls: { study: string; patient: string }): AdverseEvent {
  const extension: Extension[] = [];
  if (ae.grade !== null) {
    extension.push({
      url: EXPORT_URLS.toxicityGrade,
      extension: [{ url: 'grade', valueInteger: ae.grade }, ...(ae.scale ? [{ url: 'scale', valueString: ae.scale }] : [])],
    });
  }
  if (ae.dlt) {
    extension.push({
      url: EXPORT_URLS.doseLimitingToxicity,
      extension: [
        { url: 'dlt', valueBoolean: ae.dlt.dlt },
        { url: 'provisional', valueBoolean: ae.dlt.provisional },
        ...(ae.dlt.reason ? [{ url: 'reason', valueString: ae.dlt.reason }] : []),
      ],
    });
  }
  if (ae.resolvedAt) extension.push({ url: EXPORT_URLS.adverseEventResolved, valueDateTime: ae.resolvedAt });
  const outcome = ae.grade === 5 ? ['fatal', 'Fatal'] : ae.resolvedAt ? ['resolved', 'Resolved'] : undefined;
  return {
    resourceType: 'AdverseEvent',
    ...(extension.length ? { extension } : {}),
    actuality: 'actual',
    event: adverseEventTerm(ae.term),
    subject: { reference: urls.patient },
    date: ae.onset,
    recordedDate: ae.firstRecordedAt,
    seriousness: adverseEventSeriousness(ae.serious),
    ...(ae.grade !== null ? { severity: adverseEventSeverity(ae.grade) } : {}),
    ...(outcome ? { outcome: { coding: [{ system: HL7_SYSTEMS.aeOutcome, code: outcome[0], display: outcome[1] }] } } : {}),
    suspectEntity: [
      {
        instance: { display: protocol.product ?? 'CAR-T cell product' },
        causality: [{ assessment: { text: ae.related ? 'Related' : 'Not related' } }],
      },
    ],
    study: [{ reference: urls.study }],
  };
}

/** The ASTCT grade of a CRS or ICANS report as an Observation about the adverse event, with the findings. */
function syndromeGrade(ae: AdverseEventFact, patientUrl: string, aeUrl: string): Observation | undefined {
  if (ae.grade === null || (!ae.crs && !ae.icans)) return undefined;
  const component: ObservationComponent[] = [];
  if (ae.crs) {
    component.push(
      { code: assessmentCode('TEMPERATURE', 'Highest temperature'), valueQuantity: quantity(ae.crs.temperatureC, '°C') },
      { code: assessmentCode('HYPOTENSION', 'Hypotension'), valueBoolean: ae.crs.hypotension },
      { code: assessmentCode('VASOPRESSORS', 'Vasopressors other than vasopressin'), valueInteger: ae.crs.vasopressors },
      { code: assessmentCode('OXYGEN', 'Oxygen support'), valueString: ae.crs.oxygen },
    );
  }
  if (ae.icans) {
    if (ae.icans.ice !== undefined) component.push({ code: assessmentCode('ICE', 'ICE score'), valueInteger: ae.icans.ice });
    if (ae.icans.capd !== undefined) component.push({ code: assessmentCode('CAPD', 'CAPD score'), valueInteger: ae.icans.capd });
    component.push(
      { code: assessmentCode('CONSCIOUSNESS', 'Level of consciousness'), valueString: ae.icans.consciousness },
      { code: assessmentCode('SEIZURE', 'Seizure'), valueString: ae.icans.seizure },
      { code: assessmentCode('MOTOR', 'Motor findings'), valueString: ae.icans.motor },
      { code: assessmentCode('EDEMA', 'Cerebral edema'), valueString: ae.icans.edema },
    );
  }
  const code = ae.crs ? assessmentCode('CRS-GRADE', 'CRS grade (ASTCT)') : assessmentCode('ICANS-GRADE', 'ICANS grade (ASTCT)');
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [observationCategory('exam')],
    code,
    subject: { reference: patientUrl },
    focus: [{ reference: aeUrl }],
    effectiveDateTime: ae.onset,
    valueInteger: ae.grade,
    component,
  };
}

/** A lab result; the compartment it was measured in is the type of a contained Specimen. */
function labObservation(lab: LabResultFact, patientUrl: string): Observation {
  const test = labTestName(lab.code);
  const compartment = lab.compartment ? COMPARTMENTS[lab.compartment] : undefined;
  const specimen: Specimen | undefined = compartment && {
    resourceType: 'Specimen',
    id: 'specimen',
    type: { text: compartment.name },
    collection: { collectedDateTime: lab.collectedAt },
  };
  return {
    resourceType: 'Observation',
    ...(specimen ? { contained: [specimen] } : {}),
    status: 'final',
    category: [observationCategory('laboratory')],
    code: labTestCode(lab.code, test.name),
    subject: { reference: patientUrl },
    effectiveDateTime: lab.collectedAt,
    issued: lab.recordedAt,
    valueQuantity: labQuantity(lab.code, lab.value, lab.unit),
    ...(compartment ? { specimen: { reference: '#specimen', display: compartment.name } } : {}),
  };
}

function responseObservation(assessed: ResponseFact, input: PatientFhirBundleInput, patientUrl: string): Observation {
  const criteria = input.responseCriteria === 'LUGANO_2014' ? 'Lugano 2014' : 'ALL response criteria';
  const component: ObservationComponent[] = [{ code: assessmentCode('VISIT', 'Visit'), valueString: assessed.visit }];
  if (assessed.mrdPct !== null) {
    component.push({ code: assessmentCode('MRD', 'Minimal residual disease'), valueQuantity: quantity(assessed.mrdPct, '%') });
  }
  if (assessed.mrdNegative !== null) {
    component.push({ code: assessmentCode('MRD-NEGATIVE', 'MRD-negative (<0.01%)'), valueBoolean: assessed.mrdNegative });
  }
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [observationCategory('exam')],
    code: assessmentCode('OVERALL-RESPONSE', 'Overall response'),
    subject: { reference: patientUrl },
    effectiveDateTime: assessed.assessedAt,
    issued: assessed.recordedAt,
    method: { text: criteria },
    ...(assessed.response ? { valueCodeableConcept: overallResponse(assessed.response) } : { dataAbsentReason: { text: 'not assessable' } }),
    component,
  };
}
