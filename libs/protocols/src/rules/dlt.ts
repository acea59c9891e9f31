import { DAY_MS } from '../lifecycle/clinical-time';

/** The DLT definition of a protocol (clinical.md, "DLT is per protocol"). */
export interface DltRule {
  /** Days from infusion during which a toxicity can be dose-limiting. */
  windowDays: number;
  /** Lowest CTCAE grade that counts. */
  minGrade: number;
  /** Only toxicities attributed to the product count. */
  requiresRelated: boolean;
  /** Terms that never count (expected infusion reactions, haematological toxicity …), lower case. */
  excludedTerms: string[];
  /** The rule in words, for the protocol definition. */
  description: string;
}

export interface ToxicityReport {
  term: string;
  grade: number;
  onset: string;
  related: boolean;
}

export interface DltAssessment {
  dlt: boolean;
  /** Why it does or does not count, in one sentence. */
  reason: string;
}

/**
 * Whether a toxicity is dose-limiting under a protocol's rule: grade at or above the threshold,
 * attributed to the product when the rule asks for it, not an excepted term, and with onset inside
 * the DLT window that opens at infusion.
 */
export function assessDlt(rule: DltRule, report: ToxicityReport, infusedAt: string | undefined): DltAssessment {
  if (!infusedAt) return { dlt: false, reason: 'the patient has not been infused, so no DLT window is open' };
  const daysFromInfusion = (Date.parse(report.onset) - Date.parse(infusedAt)) / DAY_MS;
  if (daysFromInfusion < 0) return { dlt: false, reason: 'onset is before the infusion' };
  if (daysFromInfusion > rule.windowDays) {
    return { dlt: false, reason: `onset is after the ${rule.windowDays}-day DLT window` };
  }
  if (report.grade < rule.minGrade) return { dlt: false, reason: `grade ${report.grade} is below grade ${rule.minGrade}` };
  if (rule.requiresRelated && !report.related) return { dlt: false, reason: 'not attributed to the product' };
  const term = report.term.trim().toLowerCase();
  if (rule.excludedTerms.includes(term)) return { dlt: false, reason: `${report.term} is excepted by the protocol` };
  return {
    dlt: true,
    reason: `grade ${report.grade} ${report.term} related to the product within the ${rule.windowDays}-day DLT window`,
  };
}
