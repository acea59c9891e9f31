import { DAY_MS } from '../lifecycle/clinical-time';

/**
 * An adverse event the protocol expects and does not count as dose-limiting (an infusion reaction;
 * CRS or ICANS that resolves in time), within the limits given.
 */
export interface ExpectedEvent {
  /** The CTCAE term, matched without regard to case. */
  term: string;
  /** Highest grade still expected; a worse grade counts. Any grade when not given. */
  maxGrade?: number;
  /**
   * Expected only when it resolves within this many days of onset, counted in calendar days (UTC):
   * onset on the 10th and resolved on the 17th is 7 days. Until it has resolved, it counts
   * provisionally.
   */
  resolvesWithinDays?: number;
  /**
   * What "resolves" means: `resolved` (the default) is full resolution, the report's `resolvedAt`;
   * `grade-1-or-less` is an improvement to grade ≤ 1 (CRS "resolves to grade ≤ 1 within 7 days"),
   * the report's `improvedToGrade1At`, or its `resolvedAt` when only that is given (a resolved event
   * is below grade 1 too).
   */
  resolution?: ExpectedResolution;
  /** The exception in the protocol's words. */
  description: string;
}

export type ExpectedResolution = 'resolved' | 'grade-1-or-less';

/**
 * A cytopenia the protocol counts as dose-limiting when it has not recovered by a study day
 * (commonly: grade ≥ 3 neutrophil or platelet count decreased still present at day 28). Cytopenia
 * after lymphodepletion and CAR-T cells is expected, so the terms stay among `excludedTerms`; they
 * count only through this clause, on a result collected from `byDay` to `byDay + withinDays` that
 * still grades `minGrade` or worse.
 */
export interface ProlongedCytopenia {
  /** CTCAE terms, lower case. */
  terms: string[];
  minGrade: number;
  /** The study day by which the count must have recovered. */
  byDay: number;
  /** How many days after `byDay` a result still shows it (the day-28 visit's window). */
  withinDays: number;
  description: string;
}

/** The DLT definition of a protocol (docs/clinical.md, section "Toxicity grading", "DLT is per protocol"). */
export interface DltRule {
  /** Days from infusion during which a toxicity can be dose-limiting. */
  windowDays: number;
  /** Lowest CTCAE grade that counts. */
  minGrade: number;
  /** Only toxicities attributed to the product count. */
  requiresRelated: boolean;
  /** Terms that never count (expected infusion reactions, haematological toxicity …), lower case. */
  excludedTerms: string[];
  /** Events that do not count within limits of grade and time to resolve. */
  expectedEvents?: ExpectedEvent[];
  /** A cytopenia that counts when not recovered in time (ProlongedCytopenia). */
  prolongedCytopenia?: ProlongedCytopenia;
  /** The rule in words, for the protocol definition. */
  description: string;
}

export interface ToxicityReport {
  term: string;
  grade: number;
  onset: string;
  related: boolean;
  /** When the event resolved (ISO date or date-time), once it has. */
  resolvedAt?: string;
  /** When the event had improved to grade ≤ 1 (ISO date or date-time), once it has. */
  improvedToGrade1At?: string;
  /**
   * The study day of a lab result that shows the event still at its grade (a lab-derived AE): what
   * the prolonged-cytopenia clause reads.
   */
  persistsOnStudyDay?: number;
}

export interface DltAssessment {
  dlt: boolean;
  /**
   * The event counts as a DLT only for now: it is an expected event that has not yet resolved and
   * would not count if it resolves in time. Assess it again when it resolves.
   */
  provisional: boolean;
  /** Why it does or does not count, in one sentence. */
  reason: string;
}

/**
 * Whether a toxicity is dose-limiting under a protocol's rule: grade at or above the threshold,
 * attributed to the product when the rule asks for it, not an excepted term, not an expected event
 * within its limits, and with onset inside the DLT window that opens at infusion. An expected event
 * that must resolve in time counts (provisionally) until it has: a DLT is never missed by waiting.
 */
export function assessDlt(rule: DltRule, report: ToxicityReport, infusedAt: string | undefined): DltAssessment {
  const final = (dlt: boolean, reason: string): DltAssessment => ({ dlt, provisional: false, reason });
  if (!infusedAt) return final(false, 'the patient has not been infused, so no DLT window is open');
  const daysFromInfusion = (Date.parse(report.onset) - Date.parse(infusedAt)) / DAY_MS;
  if (daysFromInfusion < 0) return final(false, 'onset is before the infusion');
  const prolonged = prolongedCytopenia(rule, report);
  if (prolonged) return final(true, prolonged);
  if (daysFromInfusion > rule.windowDays) return final(false, `onset is after the ${rule.windowDays}-day DLT window`);
  if (report.grade < rule.minGrade) return final(false, `grade ${report.grade} is below grade ${rule.minGrade}`);
  if (rule.requiresRelated && !report.related) return final(false, 'not attributed to the product');
  const reported = { ...report, term: report.term.trim() };
  const term = reported.term.toLowerCase();
  if (rule.excludedTerms.includes(term)) return final(false, `${reported.term} is excepted by the protocol`);
  const counts = `grade ${report.grade} ${reported.term} related to the product within the ${rule.windowDays}-day DLT window`;
  const expected = rule.expectedEvents?.find((event) => event.term.trim().toLowerCase() === term);
  return expected ? assessExpectedEvent(expected, reported, counts) : final(true, counts);
}

/** Why the report is a prolonged cytopenia under the rule's clause, or undefined when it is not. */
function prolongedCytopenia(rule: DltRule, report: ToxicityReport): string | undefined {
  const clause = rule.prolongedCytopenia;
  const day = report.persistsOnStudyDay;
  if (!clause || day === undefined || !clause.terms.includes(report.term.trim().toLowerCase())) return undefined;
  if (day < clause.byDay || day > clause.byDay + clause.withinDays || report.grade < clause.minGrade) return undefined;
  if (rule.requiresRelated && !report.related) return undefined;
  return `grade ${report.grade} ${report.term.trim()} still present on day ${day}, not recovered by day ${clause.byDay}: ${clause.description}`;
}

function assessExpectedEvent(expected: ExpectedEvent, report: ToxicityReport, counts: string): DltAssessment {
  const { maxGrade, resolvesWithinDays: allowedDays } = expected;
  if (maxGrade !== undefined && report.grade > maxGrade) {
    return { dlt: true, provisional: false, reason: `${counts}, above the grade ${maxGrade} the protocol expects` };
  }
  if (allowedDays === undefined) {
    return { dlt: false, provisional: false, reason: `${report.term} is expected by the protocol: ${expected.description}` };
  }
  const toGrade1 = expected.resolution === 'grade-1-or-less';
  const resolves = toGrade1 ? 'resolves to grade ≤ 1' : 'resolves';
  const resolvedAt = toGrade1 ? (report.improvedToGrade1At ?? report.resolvedAt) : report.resolvedAt;
  if (resolvedAt === undefined) {
    const deadline = new Date((utcDay(report.onset) + allowedDays) * DAY_MS).toISOString().slice(0, 10);
    const notYet = toGrade1 ? 'not yet at grade ≤ 1' : 'not yet resolved';
    return {
      dlt: true,
      provisional: true,
      reason: `${counts}, ${notYet}: it counts unless it ${resolves} by ${deadline} (${allowedDays} days after onset)`,
    };
  }
  const days = utcDay(resolvedAt) - utcDay(report.onset);
  const resolved = toGrade1 ? 'improved to grade ≤ 1' : 'resolved';
  if (days <= allowedDays) {
    return {
      dlt: false,
      provisional: false,
      reason: `${report.term} ${resolved} ${days} days after onset, within the ${allowedDays} days the protocol allows`,
    };
  }
  const late = `${resolved} ${days} days after onset, beyond the ${allowedDays} days the protocol allows`;
  return { dlt: true, provisional: false, reason: `${counts}, ${late}` };
}

/** Whole days since the epoch of the UTC calendar date of an ISO date or date-time. */
function utcDay(at: string): number {
  return Math.floor(Date.parse(at) / DAY_MS);
}
