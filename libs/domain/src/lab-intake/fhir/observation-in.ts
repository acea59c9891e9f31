import type { Bundle, Observation, OperationOutcome } from '@medplum/fhirtypes';
import { type IncomingResult, LOINC_SYSTEM, LOINC_URI } from '../incoming-result';

/** UCUM's coding system in FHIR. */
const UCUM_URI = 'http://unitsofmeasure.org';

/** What a FHIR body holds for the engine: its results (each with where it came from), or why it is refused whole. */
export type ReadFhir = { results: IncomingResult[]; controlId: string } | { problem: string; controlId?: string };

/**
 * Reads an R4 `Observation`, or a `transaction` (or `batch`) `Bundle` of them, into results. The
 * control id of a result is the Observation's first identifier (`system|value`), else the Bundle
 * entry's fullUrl: a result with neither has no key to be idempotent on, so the body is refused.
 * Anything else than Observations is refused whole, as is an Observation without a subject
 * identifier (a reference to another server's Patient names nothing here).
 */
export function readFhirObservations(body: unknown): ReadFhir {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { problem: 'the body is not a FHIR resource' };
  const resource = body as { resourceType?: unknown };
  if (resource.resourceType === 'Observation') {
    const observation = body as Observation;
    const key = keyOf(observation);
    if (!key) return { problem: 'the Observation has no identifier (Observation.identifier with system and value) to recognise it by if it is sent again' };
    return { controlId: key, results: [readObservation(observation, key)] };
  }
  if (resource.resourceType !== 'Bundle')
    return { problem: `a ${typeof resource.resourceType === 'string' ? resource.resourceType : 'body without resourceType'} is not an Observation or a Bundle of Observations` };
  const bundle = body as Bundle;
  if (bundle.type !== 'transaction' && bundle.type !== 'batch') return { problem: `a Bundle of type ${bundle.type ?? '(none)'} is not a transaction or batch` };
  const entries = bundle.entry ?? [];
  if (!entries.length) return { problem: 'the Bundle has no entries' };
  const results: IncomingResult[] = [];
  for (const [i, entry] of entries.entries()) {
    const type = entry.resource?.resourceType;
    if (type !== 'Observation') return { problem: `entry ${i + 1} is a ${type ?? 'resource-less entry'}, not an Observation` };
    const key = keyOf(entry.resource as Observation) ?? entry.fullUrl;
    if (!key) return { problem: `entry ${i + 1} has neither an identifier nor a fullUrl to recognise it by if it is sent again` };
    results.push(readObservation(entry.resource as Observation, key));
  }
  const keys = results.map((r) => r.controlId);
  if (new Set(keys).size !== keys.length) return { problem: 'two entries of the Bundle have the same identifier' };
  return { controlId: bundle.identifier?.value ?? keys[0], results };
}

function keyOf(observation: Observation): string | undefined {
  const identifier = observation.identifier?.find((i) => i.value);
  return identifier ? `${identifier.system ?? ''}|${identifier.value}`.slice(0, 250) : undefined;
}

function readObservation(observation: Observation, controlId: string): IncomingResult {
  const problems: string[] = [];
  const codings = observation.code?.coding ?? [];
  const loinc = codings.find((c) => c.system === LOINC_URI && c.code);
  const other = codings.find((c) => c.code);
  const coding = loinc ?? other;
  const code = coding
    ? { system: loinc ? LOINC_SYSTEM : (coding.system ?? 'local'), code: coding.code!, ...(coding.display ? { text: coding.display } : {}) }
    : { system: 'local', code: '' };
  const quantity = observation.valueQuantity;
  const value = typeof quantity?.value === 'number' && Number.isFinite(quantity.value) ? quantity.value : undefined;
  if (!quantity) problems.push('the Observation has no valueQuantity');
  if (quantity?.comparator) problems.push(`the value is bounded (${quantity.comparator}), not measured`);
  if (quantity?.system && quantity.system !== UCUM_URI) problems.push(`the unit's system ${quantity.system} is not UCUM`);
  const identifiers = (observation.subject?.identifier?.value ? [observation.subject.identifier.value] : []).map((id) => id.trim()).filter(Boolean);
  if (!identifiers.length) problems.push('the Observation names its subject by no identifier (subject.identifier)');
  const collectedText = observation.effectiveDateTime ?? observation.effectivePeriod?.start ?? '';
  const collectedAt = readInstant(collectedText);
  const status = observation.status ?? '';
  return {
    controlId,
    patientIdentifiers: identifiers,
    code,
    valueText: quantity?.value === undefined ? '' : String(quantity.value),
    ...(value !== undefined ? { value } : {}),
    unit: quantity?.code ?? quantity?.unit ?? '',
    ...rangeOf(observation, quantity?.code ?? quantity?.unit ?? ''),
    collectedText,
    ...(collectedAt ? { collectedAt } : {}),
    resultStatus: status,
    status: status === 'final' ? 'final' : status === 'corrected' || status === 'amended' ? 'corrected' : 'other',
    problems,
  };
}

/**
 * The first `referenceRange` whose limits are in the value's unit (or name none), as the lab gave it;
 * a range in another unit is left unread rather than converted on a guess.
 */
function rangeOf(observation: Observation, unit: string): { referenceRange?: { low?: number; high?: number } } {
  const range = observation.referenceRange?.[0];
  if (!range) return {};
  const limit = (q: { value?: number; code?: string; unit?: string } | undefined) =>
    typeof q?.value === 'number' && Number.isFinite(q.value) && q.value >= 0 && (!(q.code ?? q.unit) || (q.code ?? q.unit) === unit) ? q.value : undefined;
  const [low, high] = [limit(range.low), limit(range.high)];
  if (low !== undefined && high !== undefined && low >= high) return {};
  if (low === undefined && (high === undefined || high === 0)) return {};
  return { referenceRange: { ...(low !== undefined ? { low } : {}), ...(high !== undefined && high > 0 ? { high } : {}) } };
}

/** A FHIR dateTime as the engine keeps it: a date alone, or an instant with its offset (a time without one is not guessed). */
function readInstant(text: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

type Severity = 'error' | 'warning' | 'information';

/** An OperationOutcome, one issue per reason: `error` for a refusal, `warning` for a result held in the inbox, `information` for one recorded. */
export function operationOutcome(issues: Array<{ severity: Severity; text: string; code: string }>): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map(({ severity, text, code }) => ({ severity, code: code as 'processing', details: { text } })),
  };
}
