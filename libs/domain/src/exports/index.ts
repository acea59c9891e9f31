export type { EngineAnswer, ExportedPatientRow, LoggedEvent, PatientExportInput, PatientRecord } from './export-input';
export { type FhirProtocol, type PatientFhirBundleInput, patientFhirBundle } from './fhir-bundle';
export { EXPORT_BASE_URL, EXPORT_URLS, RESEARCH_SUBJECT_STATUS, researchStudyPhase, researchSubjectStatus } from './fhir-terms';
export { SDTM_COLUMNS, type SdtmDomain, type SdtmInput, type SdtmProtocol, sdtmTables } from './sdtm';
export { type ExportTable, toCsv } from './csv';
export { EXPORT_UUID_NAMESPACE, nameBasedUuid } from './name-based-uuid';
export { ExportService } from './export-service';
