import { z } from 'zod';
import { DAY_MS } from '../lifecycle/clinical-time';
import { crsInputSchema, gradeCrs } from './crs-grade';
import { CAPD_UP_TO_AGE_YEARS, gradeIcans, icansInputSchema } from './icans-grade';
import { ctcaeGradeProblem } from './ctcae-terms';

/** CTCAE v5.0 grades with their general descriptions (docs/clinical.md, section "Toxicity grading"). */
export const CTCAE_GRADES = {
  1: 'Mild; asymptomatic or mild symptoms; clinical or diagnostic observations only; intervention not indicated',
  2: 'Moderate; minimal, local or noninvasive intervention indicated; limiting age-appropriate instrumental ADL',
  3: 'Severe or medically significant but not immediately life-threatening; hospitalization or prolongation of hospitalization indicated; disabling; limiting self-care ADL',
  4: 'Life-threatening consequences; urgent intervention indicated',
  5: 'Death related to AE',
} as const;

export type CtcaeGrade = keyof typeof CTCAE_GRADES;

export function isCtcaeGrade(grade: number): grade is CtcaeGrade {
  return Number.isInteger(grade) && grade >= 1 && grade <= 5;
}

/** The CTCAE v5.0 general description of a grade; a RangeError for anything but 1–5. */
export function describeCtcaeGrade(grade: number): string {
  if (!isCtcaeGrade(grade)) throw new RangeError(`a CTCAE grade is a whole number from 1 to 5, got ${grade}`);
  return CTCAE_GRADES[grade];
}

const isoDateOrDateTime = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/**
 * An adverse event as a site reports it: graded directly by CTCAE v5.0, or, for CRS and ICANS, by
 * the ASTCT findings the engine grades itself. Exactly one of `grade`, `crs`, `icans`.
 */
export const adverseEventReportSchema = z
  .object({
    term: z.string().trim().min(1).max(200),
    /** CTCAE v5.0 grade, when the site grades the event itself. */
    grade: z.number().int().min(1).max(5).meta({ 'x-unit': '{CTCAE grade}' }).optional(),
    crs: crsInputSchema.optional(),
    icans: icansInputSchema.optional(),
    onset: isoDateOrDateTime,
    related: z.boolean(),
    serious: z.boolean(),
    resolvedAt: isoDateOrDateTime.optional(),
    /**
     * When the event had improved to grade ≤ 1, for an exception worded "resolves to grade ≤ 1"
     * (CRS). A follow-up report of the same term and onset, at the event's worst grade, carries it.
     */
    improvedToGrade1At: isoDateOrDateTime.optional(),
    /** The lab toxicity proposal this report confirms (`<code>@<collectedAt>`, lifecycle/lab-toxicity.ts). */
    labProposal: z.string().trim().min(1).max(80).optional(),
  })
  .strict()
  .refine((report) => [report.grade, report.crs, report.icans].filter((given) => given !== undefined).length === 1, {
    message: 'give exactly one of: a CTCAE grade, the CRS findings (crs) or the ICANS findings (icans)',
    path: ['grade'],
  })
  .refine((report) => report.resolvedAt === undefined || !resolvedBeforeOnset(report.onset, report.resolvedAt), {
    message: 'the event cannot resolve before its onset',
    path: ['resolvedAt'],
  })
  .refine((report) => report.improvedToGrade1At === undefined || !resolvedBeforeOnset(report.onset, report.improvedToGrade1At), {
    message: 'the event cannot improve to grade ≤ 1 before its onset',
    path: ['improvedToGrade1At'],
  })
  .refine((report) => report.improvedToGrade1At === undefined || report.resolvedAt === undefined || !resolvedBeforeOnset(report.improvedToGrade1At, report.resolvedAt), {
    message: 'the event cannot resolve before it improved to grade ≤ 1',
    path: ['resolvedAt'],
  });

export type AdverseEventReport = z.infer<typeof adverseEventReportSchema>;

export type AdverseEventScale = 'CTCAE v5.0' | 'ASTCT CRS' | 'ASTCT ICANS';

export interface AdverseEventGrade {
  /** 0 only for CRS or ICANS findings that do not meet the ASTCT criteria: such a report is refused. */
  grade: 0 | CtcaeGrade;
  scale: AdverseEventScale;
  reason: string;
}

/**
 * The grade of a reported adverse event and the scale it is on. Call `adverseEventRefusals` first:
 * this throws a RangeError for a report it refuses for its form (no or several gradings, ICANS
 * without a usable age). A CRS or ICANS report that grades 0 is returned as grade 0.
 */
export function adverseEventGrade(report: AdverseEventReport, ageYears?: number): AdverseEventGrade {
  const problem = formProblem(report, ageYears);
  if (problem) throw new RangeError(problem);
  if (report.crs) {
    const crs = gradeCrs(report.crs);
    return { grade: crs.grade, scale: 'ASTCT CRS', reason: crs.reason };
  }
  if (report.icans && ageYears !== undefined) {
    const icans = gradeIcans(report.icans, { ageYears });
    return { grade: icans.grade, scale: 'ASTCT ICANS', reason: icans.reason };
  }
  const grade = report.grade ?? 0;
  if (!isCtcaeGrade(grade)) throw new RangeError(`a CTCAE grade is a whole number from 1 to 5, got ${grade}`);
  return { grade, scale: 'CTCAE v5.0', reason: `${report.term}, CTCAE v5.0 grade ${grade}: ${CTCAE_GRADES[grade]}` };
}

/**
 * Why the engine cannot record a report, in sentences it can return with a 422; empty when it can.
 * A CTCAE grade the term does not have (CTCAE v5.0 prints "–" for it: Nausea 4, Alopecia 3) is
 * refused (ctcae-terms.ts). CRS or ICANS findings that grade 0 are refused: by the ASTCT criteria
 * they are not CRS (no fever) or not ICANS, so the site should report the findings under their own
 * CTCAE terms instead. Only new reports are checked: grading a stored report never refuses it.
 */
export function adverseEventRefusals(report: AdverseEventReport, ageYears: number | undefined): string[] {
  const problem = formProblem(report, ageYears) ?? (report.grade === undefined ? undefined : ctcaeGradeProblem(report.term, report.grade));
  if (problem) return [problem];
  const graded = adverseEventGrade(report, ageYears);
  if (graded.grade > 0) return [];
  const syndrome = report.crs ? 'CRS' : 'ICANS';
  return [`${report.term}: ${graded.reason}; ${syndrome} findings that grade 0 by ASTCT criteria cannot be recorded as ${syndrome}, report them under their own CTCAE terms`];
}

function formProblem(report: AdverseEventReport, ageYears: number | undefined): string | undefined {
  const gradings = [report.grade, report.crs, report.icans].filter((given) => given !== undefined).length;
  if (gradings !== 1) return 'give exactly one of: a CTCAE grade, the CRS findings or the ICANS findings';
  if (report.grade !== undefined && !isCtcaeGrade(report.grade)) {
    return `a CTCAE grade is a whole number from 1 to 5, got ${report.grade}`;
  }
  if (!report.icans) return undefined;
  if (ageYears === undefined || !Number.isFinite(ageYears) || ageYears < 0) {
    return "ICANS is graded by the patient's age (CAPD at 12 or under, ICE over 12), and the age is not known";
  }
  if (report.icans.ice !== undefined && report.icans.capd !== undefined) return 'give the ICE score or the CAPD score, not both';
  if (report.icans.ice !== undefined && ageYears <= CAPD_UP_TO_AGE_YEARS) {
    return `a child aged ${ageYears} is graded with the CAPD score, not ICE: record the CAPD score`;
  }
  return undefined;
}

/**
 * Whether `resolvedAt` is before `onset`. A date without a time is taken as the whole day, so an
 * event with onset at 15:00 may resolve "the same day".
 */
function resolvedBeforeOnset(onset: string, resolvedAt: string): boolean {
  const onsetStart = Date.parse(onset);
  const resolvedEnd = Date.parse(resolvedAt) + (isDateOnly(resolvedAt) ? DAY_MS - 1 : 0);
  return resolvedEnd < onsetStart;
}

function isDateOnly(isoDate: string): boolean {
  return isoDate.length === 10;
}
