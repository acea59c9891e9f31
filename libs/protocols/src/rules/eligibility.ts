import type { ScreeningCondition, ScreeningData } from './screening-data';

/**
 * Eligibility as data: a protocol lists its criteria in the trial's own words, each backed by a
 * condition over the screening record (or an investigator's attestation for a judgement call), and
 * `evaluateEligibility` says which are met, unmet or still missing data, in sentences a coordinator
 * can act on.
 */

export type CriterionKind = 'inclusion' | 'exclusion';

type PatientSex = 'female' | 'male' | 'other' | 'unknown';

export interface EligibilityInput {
  screening: ScreeningData;
  patient: { birthDate: string /* YYYY-MM-DD */; sex: PatientSex };
  /** Ids of the judgement calls the investigator attests with the eligibility sign-off. */
  attestations: readonly string[];
  /** ISO datetime of the eligibility event: ages are computed on its date. */
  asOf: string;
}

export type CriterionOutcome = { status: 'met' } | { status: 'unmet'; reason: string } | { status: 'missing'; reason: string };

/** A judgement call the investigator signs off: `statement` is what they attest, as a sentence. */
export interface Attestation {
  id: string;
  statement: string;
}

export interface Criterion {
  id: string;
  kind: CriterionKind;
  /** The criterion in the trial record's own words. */
  text: string;
  /** The structured rule in words, when there is one ("creatinine below 1.6 mg/dL"). */
  rule?: string;
  attestation?: Attestation;
  check(input: EligibilityInput): CriterionOutcome;
}

/**
 * What a condition finds in the record. `statement` says it in words either way ("creatinine 1.8
 * mg/dL is not below 1.6 mg/dL"); `unknown` lists what has not been recorded, and any recorded part
 * that already failed.
 */
export type Finding = { status: 'holds'; statement: string } | { status: 'fails'; statement: string } | { status: 'unknown'; missing: string[]; failing: string[] };

/** A fact about the patient that an inclusion requires or an exclusion rules out. */
export interface Condition {
  rule: string;
  find(input: EligibilityInput): Finding;
}

type FieldsOfType<T, V> = { [K in keyof T]-?: NonNullable<T[K]> extends V ? K : never }[keyof T];
type Labs = NonNullable<ScreeningData['labs']>;

/** A numeric screening value: a top-level field (`ecog`) or a lab (`labs.creatinineMgDl`). */
export type NumericField = FieldsOfType<ScreeningData, number> | `labs.${FieldsOfType<Labs, number>}`;
export type BooleanField = FieldsOfType<ScreeningData, boolean>;

export interface NumberSpec {
  path: NumericField;
  /** How a coordinator names the value: "creatinine", "ECOG". */
  label: string;
  unit?: string;
  limit: number;
}

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

const holds = (statement: string): Finding => ({ status: 'holds', statement });
const fails = (statement: string): Finding => ({ status: 'fails', statement });
const unknown = (missing: string): Finding => ({ status: 'unknown', missing: [missing], failing: [] });

function comparison(words: { rule: string; holds: string; fails: string }, test: (value: number, limit: number) => boolean) {
  return (spec: NumberSpec): Condition => {
    const quantity = (n: number) => (spec.unit ? `${n} ${spec.unit}` : String(n));
    return {
      rule: `${spec.label} ${words.rule} ${quantity(spec.limit)}`,
      find: ({ screening }) => {
        const value = readNumber(screening, spec.path);
        if (value === undefined) return unknown(`${spec.label} has not been recorded`);
        const verb = test(value, spec.limit) ? words.holds : words.fails;
        const statement = `${spec.label} ${quantity(value)} ${verb} ${quantity(spec.limit)}`;
        return test(value, spec.limit) ? holds(statement) : fails(statement);
      },
    };
  };
}

export const numberAtMost = comparison({ rule: 'at most', holds: 'is at most', fails: 'is above' }, (v, l) => v <= l);
export const numberAtLeast = comparison({ rule: 'at least', holds: 'is at least', fails: 'is below' }, (v, l) => v >= l);
export const numberBelow = comparison({ rule: 'below', holds: 'is below', fails: 'is not below' }, (v, l) => v < l);
export const numberAbove = comparison({ rule: 'above', holds: 'is above', fails: 'is not above' }, (v, l) => v > l);

/** The marker is recorded as positive on the malignant cells (`dim` or `negative` is not). */
export function markerPositive(marker: string): Condition {
  return {
    rule: `${marker} positive`,
    find: ({ screening }) => {
      const result = screening.markers?.[marker];
      if (result === undefined) return unknown(`${marker} status has not been recorded`);
      if (result === 'unknown') return unknown(`${marker} status is recorded as unknown`);
      return result === 'positive' ? holds(`${marker} is positive`) : fails(`${marker} is ${result}, not positive`);
    },
  };
}

/** The recorded diagnosis is one of `diagnoses` (as written in SCREENING_DATA_RECORDED: `B-ALL`). */
export function diagnosisIs(diagnoses: readonly string[]): Condition {
  const accepted = diagnoses.join(' or ');
  return {
    rule: `diagnosis ${accepted}`,
    find: ({ screening }) => {
      const { diagnosis } = screening;
      if (diagnosis === undefined) return unknown('the diagnosis has not been recorded');
      return diagnoses.includes(diagnosis) ? holds(`the diagnosis is ${diagnosis}`) : fails(`the diagnosis is ${diagnosis}, not ${accepted}`);
    },
  };
}

/** A condition recorded as present in `conditions` (`label` names it: "a history of seizure"). */
export function conditionPresent(condition: ScreeningCondition, label: string): Condition {
  return {
    rule: `${label} present`,
    find: ({ screening }) => {
      const present = screening.conditions?.[condition];
      if (present === undefined) return unknown(`${label} has not been recorded as present or absent`);
      return present ? holds(`${label} is recorded`) : fails(`${label} is recorded as absent`);
    },
  };
}

/** A yes/no screening field has the expected value; `whenTrue` / `whenFalse` say each value in words. */
export function flagIs(spec: { path: BooleanField; expected: boolean; label: string; whenTrue: string; whenFalse: string }): Condition {
  return {
    rule: spec.expected ? spec.whenTrue : spec.whenFalse,
    find: ({ screening }) => {
      const value = screening[spec.path];
      if (value === undefined) return unknown(`${spec.label} has not been recorded`);
      const statement = value ? spec.whenTrue : spec.whenFalse;
      return value === spec.expected ? holds(statement) : fails(statement);
    },
  };
}

/** Age in whole years on the date of `asOf`, both ends included. */
export function ageBetween(minYears: number, maxYears: number): Condition {
  return {
    rule: `age ${minYears}–${maxYears} years`,
    find: ({ patient, asOf }) => {
      const age = ageOn(patient.birthDate, asOf);
      if (age === undefined) return unknown('a valid date of birth has not been recorded');
      if (age < minYears) return fails(`age ${age} is below the minimum of ${minYears} years`);
      if (age > maxYears) return fails(`age ${age} is above the maximum of ${maxYears} years`);
      return holds(`age ${age} is within ${minYears}–${maxYears} years`);
    },
  };
}

/** The condition is only asked of patients of the given sexes; for the others it does not hold. */
export function onlyForSex(sexes: readonly PatientSex[], condition: Condition): Condition {
  return {
    rule: `${condition.rule} (${sexes.join(' or ')} patients)`,
    find: (input) =>
      sexes.includes(input.patient.sex) ? condition.find(input) : fails(`this applies only to ${sexes.join(' or ')} patients, and the patient's sex is ${input.patient.sex}`),
  };
}

/**
 * Holds when any alternative holds; fails when every alternative fails. When none holds and some
 * are not recorded the finding is `unknown`, carrying the recorded alternatives that failed: an
 * inclusion calls that unmet, an exclusion calls it missing (it cannot be cleared on partial data).
 */
export function anyOf(conditions: readonly Condition[]): Condition {
  if (conditions.length === 0) throw new RangeError('anyOf needs at least one alternative');
  return {
    rule: conditions.map(ruleInParentheses).join(' or '),
    find: (input) => {
      const findings = conditions.map((c) => c.find(input));
      const passing = findings.find((f) => f.status === 'holds');
      if (passing) return passing;
      // No alternative holds: each one failed, or is not recorded and carries the parts that failed.
      const failing = findings.flatMap((f) => (f.status === 'unknown' ? f.failing : [f.statement]));
      const missing = findings.flatMap((f) => (f.status === 'unknown' ? f.missing : []));
      return missing.length ? { status: 'unknown', missing, failing } : fails(joinClauses(failing));
    },
  };
}

/** Holds when every part holds; fails when any part fails; otherwise `unknown`. */
export function allOf(conditions: readonly Condition[]): Condition {
  if (conditions.length === 0) throw new RangeError('allOf needs at least one part');
  return {
    rule: conditions.map(ruleInParentheses).join(' and '),
    find: (input) => {
      const findings = conditions.map((c) => c.find(input));
      const failing = findings.flatMap((f) => (f.status === 'fails' ? [f.statement] : []));
      if (failing.length) return fails(joinClauses(failing));
      const missing = findings.flatMap((f) => (f.status === 'unknown' ? f.missing : []));
      if (missing.length) {
        return { status: 'unknown', missing, failing: findings.flatMap((f) => (f.status === 'unknown' ? f.failing : [])) };
      }
      return holds(joinClauses(findings.flatMap((f) => (f.status === 'holds' ? [f.statement] : []))));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Criteria
// ---------------------------------------------------------------------------------------------

/** An inclusion criterion: met when the condition holds. */
export function inclusion(id: string, text: string, condition: Condition): Criterion {
  return { id, kind: 'inclusion', text, rule: condition.rule, check: (input) => outcome('inclusion', condition.find(input)) };
}

/** An exclusion criterion: met (the patient is not excluded) when the condition is recorded as not holding. */
export function exclusion(id: string, text: string, condition: Condition): Criterion {
  return { id, kind: 'exclusion', text, rule: condition.rule, check: (input) => outcome('exclusion', condition.find(input)) };
}

/**
 * A judgement call ("according to investigator's judgement"), met only when the sign-off carries
 * the attestation. `whenRecorded`, if given, is also checked when its data is recorded (an inclusion
 * needs it to hold, an exclusion needs it not to), and ignored while it is not.
 */
export function attestation(id: string, kind: CriterionKind, text: string, attested: Attestation, whenRecorded?: Condition): Criterion {
  return {
    id,
    kind,
    text,
    ...(whenRecorded ? { rule: `${whenRecorded.rule}, when recorded` } : {}),
    attestation: attested,
    check: (input) => {
      const recorded = whenRecorded ? outcome(kind, whenRecorded.find(input)) : undefined;
      if (recorded?.status === 'unmet') return recorded;
      if (input.attestations.includes(attested.id)) return { status: 'met' };
      return { status: 'missing', reason: `the investigator has not attested that ${asClause(attested.statement)}` };
    },
  };
}

function outcome(kind: CriterionKind, finding: Finding): CriterionOutcome {
  if (finding.status === 'unknown') {
    const missing = joinClauses([...new Set(finding.missing)]);
    if (kind === 'inclusion' && finding.failing.length) {
      return { status: 'unmet', reason: `${joinClauses(finding.failing)}, and ${missing}` };
    }
    return { status: 'missing', reason: missing };
  }
  const satisfied = (finding.status === 'holds') === (kind === 'inclusion');
  return satisfied ? { status: 'met' } : { status: 'unmet', reason: finding.statement };
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

export interface CriterionResult {
  id: string;
  kind: CriterionKind;
  text: string;
  status: CriterionOutcome['status'];
  reason?: string;
}

export interface EligibilityResult {
  eligible: boolean;
  results: CriterionResult[];
  /** One sentence per unmet or missing criterion, in criterion order. */
  reasons: string[];
}

export function evaluateEligibility(criteria: readonly Criterion[], input: EligibilityInput): EligibilityResult {
  const results = criteria.map((criterion): CriterionResult => {
    const { id, kind, text } = criterion;
    return { id, kind, text, ...criterion.check(input) };
  });
  const reasons = results.flatMap((r) => (r.reason === undefined ? [] : [r.reason]));
  return { eligible: reasons.length === 0, results, reasons };
}

export interface CriterionDescription {
  id: string;
  kind: CriterionKind;
  text: string;
  rule?: string;
  /** The attestation id the eligibility sign-off must carry for this criterion. */
  attestation?: string;
  attestationStatement?: string;
}

/** The criteria as a document, for the protocol definition endpoint. */
export function describeCriteria(criteria: readonly Criterion[]): CriterionDescription[] {
  return criteria.map(({ id, kind, text, rule, attestation: attested }) => ({
    id,
    kind,
    text,
    ...(rule === undefined ? {} : { rule }),
    ...(attested ? { attestation: attested.id, attestationStatement: attested.statement } : {}),
  }));
}

/** Whole years from a YYYY-MM-DD birth date to the calendar date of `asOf`, as written (its own offset). */
export function ageOn(birthDate: string, asOf: string): number | undefined {
  const born = calendarDate(birthDate);
  const on = calendarDate(asOf);
  if (!on) throw new RangeError(`eligibility date must be an ISO date or datetime, got "${asOf}"`);
  if (!born || birthDate.length !== 10) return undefined;
  const birthdayPassed = on.month > born.month || (on.month === born.month && on.day >= born.day);
  return on.year - born.year - (birthdayPassed ? 0 : 1);
}

function calendarDate(iso: string): { year: number; month: number; day: number } | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const valid = new Date(Date.UTC(year, month - 1, day));
  return valid.getUTCMonth() === month - 1 && valid.getUTCDate() === day ? { year, month, day } : undefined;
}

function readNumber(screening: ScreeningData, path: NumericField): number | undefined {
  const value = path.startsWith('labs.') ? screening.labs?.[path.slice('labs.'.length) as keyof Labs] : screening[path as FieldsOfType<ScreeningData, number>];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function ruleInParentheses(condition: Condition): string {
  return / (or|and) /.test(condition.rule) ? `(${condition.rule})` : condition.rule;
}

/** "a", "a and b", "a, b and c". */
function joinClauses(clauses: readonly string[]): string {
  return clauses.length <= 1 ? (clauses[0] ?? '') : `${clauses.slice(0, -1).join(', ')} and ${clauses[clauses.length - 1]}`;
}

/** "The patient's …" → "the patient's …", without a closing full stop, to sit inside a sentence. */
function asClause(statement: string): string {
  const trimmed = statement.trim().replace(/\.$/, '');
  return /^[A-Z][a-z]/.test(trimmed) ? trimmed[0].toLowerCase() + trimmed.slice(1) : trimmed;
}

/**
 * `first`, then — only once `first` holds — `then`: a follow-up question asked only when the first
 * answer is yes (e.g. the exception to a prior malignancy, asked only when one is recorded).
 */
export function andThen(first: Condition, then: Condition): Condition {
  const both = allOf([first, then]);
  return {
    rule: both.rule,
    find: (input) => {
      const found = first.find(input);
      return found.status === 'holds' ? both.find(input) : found;
    },
  };
}

/** A protocol's attestations as id → statement, for the protocol definition and the sign-off form. */
export function attestationStatements(attestations: readonly Attestation[]): Record<string, string> {
  return Object.fromEntries(attestations.map((a) => [a.id, a.statement]));
}
