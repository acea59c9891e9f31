import { z } from 'zod';

/** Bone-marrow and blood findings of an ALL response assessment (docs/clinical.md, section "Response"). */
export const allResponseInputsSchema = z
  .object({
    marrowBlastsPct: z.number().min(0).max(100),
    circulatingBlasts: z.boolean(),
    extramedullary: z.boolean(),
    /** Absolute neutrophil count, ×10⁹/L. */
    anc: z.number().min(0).max(1000),
    /** Platelets, ×10⁹/L. */
    platelets: z.number().min(0).max(5000),
    /** Minimal residual disease by flow, percent of nucleated cells. */
    mrdPct: z.number().min(0).max(100).optional(),
  })
  .strict();

export type AllResponseInputs = z.infer<typeof allResponseInputsSchema>;

export type AllResponse = 'CR' | 'CRi' | 'NR';

/** MRD negativity threshold: below 0.01 % (10⁻⁴). */
export const MRD_NEGATIVE_BELOW_PCT = 0.01;

export interface AllResponseResult {
  response: AllResponse;
  /** Known only when MRD was measured. */
  mrdNegative?: boolean;
}

/**
 * CR: <5 % marrow blasts, no circulating blasts, no extramedullary disease, ANC ≥1.0 and
 * platelets ≥100 ×10⁹/L. CRi: the same without the count recovery. Otherwise no response.
 */
export function allResponse(inputs: AllResponseInputs): AllResponseResult {
  const morphologicRemission = inputs.marrowBlastsPct < 5 && !inputs.circulatingBlasts && !inputs.extramedullary;
  const countsRecovered = inputs.anc >= 1.0 && inputs.platelets >= 100;
  const response: AllResponse = !morphologicRemission ? 'NR' : countsRecovered ? 'CR' : 'CRi';
  if (inputs.mrdPct === undefined) return { response };
  return { response, mrdNegative: response !== 'NR' && inputs.mrdPct < MRD_NEGATIVE_BELOW_PCT };
}

/** Counts toward the ALL objective response rate (ORR = CR + CRi, as in the CD20/CD22 trial). */
export function objectiveAllResponse(response: AllResponse): boolean {
  return response === 'CR' || response === 'CRi';
}
