/** Bone-marrow and blood findings of an ALL response assessment (clinical.md, "Response"). */
export interface AllResponseInputs {
  marrowBlastsPct: number;
  circulatingBlasts: boolean;
  extramedullary: boolean;
  /** Absolute neutrophil count, ×10⁹/L. */
  anc: number;
  /** Platelets, ×10⁹/L. */
  platelets: number;
  /** Minimal residual disease by flow, percent of nucleated cells. */
  mrdPct?: number;
}

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
