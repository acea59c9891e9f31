import { z } from 'zod';
import { MRD_NEGATIVE_BELOW_PCT } from './all-response';

/**
 * Relapse of ALL after a remission (docs/clinical.md, section "Response"). `progression` is the lymphoma
 * (Lugano) kind; an ALL assessment never gives it.
 */
export const relapseKindSchema = z.enum(['morphologic', 'mrd', 'extramedullary', 'progression']);

export type RelapseKind = z.infer<typeof relapseKindSchema>;

/** Marrow blasts from this percent are a morphologic relapse after CR/CRi. */
export const MORPHOLOGIC_RELAPSE_FROM_BLASTS_PCT = 5;

/** The findings of an assessment after treatment, with the best response before it. */
export const allRelapseInputSchema = z
  .object({
    marrowBlastsPct: z.number().min(0).max(100),
    circulatingBlasts: z.boolean(),
    extramedullary: z.boolean(),
    /** MRD by flow, percent of nucleated cells, when measured. */
    mrdPct: z.number().min(0).max(100).optional(),
    /** Best response so far: only a CR or CRi can relapse. */
    previousBestResponse: z.enum(['CR', 'CRi', 'NR']),
    /** That remission was MRD-negative (<0.01 %); needed to call an MRD relapse. */
    previousMrdNegative: z.boolean().optional(),
  })
  .strict();

export type AllRelapseInput = z.infer<typeof allRelapseInputSchema>;

export interface AllRelapseResult {
  relapse: boolean;
  kind?: RelapseKind;
  reason: string;
}

/**
 * After CR/CRi: marrow blasts ≥5 % or circulating blasts → morphologic; extramedullary disease →
 * extramedullary; MRD ≥0.01 % after an MRD-negative remission → mrd (molecular). When several hold,
 * the kind is the first of these and the reason names them all. Without a prior remission there is
 * no relapse: the disease is refractory.
 */
export function classifyAllRelapse(input: AllRelapseInput): AllRelapseResult {
  const findings = relapseFindings(input);
  const words = findings.map((f) => f.words).join(' and ');
  if (input.previousBestResponse === 'NR') {
    if (findings.length === 0) return { relapse: false, reason: 'no prior CR or CRi to relapse from' };
    return { relapse: false, reason: `${words} without a prior CR or CRi: refractory disease, not relapse` };
  }
  if (findings.length === 0) return { relapse: false, reason: noRelapseReason(input) };
  return { relapse: true, kind: findings[0].kind, reason: `${words} after ${remissionInWords(input)}` };
}

function relapseFindings(input: AllRelapseInput): Array<{ kind: RelapseKind; words: string }> {
  const findings: Array<{ kind: RelapseKind; words: string }> = [];
  if (input.marrowBlastsPct >= MORPHOLOGIC_RELAPSE_FROM_BLASTS_PCT) {
    findings.push({ kind: 'morphologic', words: `${input.marrowBlastsPct} % marrow blasts` });
  }
  if (input.circulatingBlasts) findings.push({ kind: 'morphologic', words: 'circulating blasts' });
  if (input.extramedullary) findings.push({ kind: 'extramedullary', words: 'extramedullary disease' });
  if (mrdReturned(input)) findings.push({ kind: 'mrd', words: `MRD ${input.mrdPct} %` });
  return findings;
}

function remissionInWords(input: AllRelapseInput): string {
  return input.previousMrdNegative ? `an MRD-negative ${input.previousBestResponse}` : input.previousBestResponse;
}

function mrdReturned(input: AllRelapseInput): boolean {
  return input.previousMrdNegative === true && (input.mrdPct ?? 0) >= MRD_NEGATIVE_BELOW_PCT;
}

function noRelapseReason(input: AllRelapseInput): string {
  const remission = `still in ${input.previousBestResponse}`;
  if (input.mrdPct === undefined || input.mrdPct < MRD_NEGATIVE_BELOW_PCT) return remission;
  if (input.previousMrdNegative === false) return `${remission}: MRD ${input.mrdPct} % persists from an MRD-positive remission`;
  return `${remission}: MRD ${input.mrdPct} %, but the remission is not recorded as MRD-negative`;
}
