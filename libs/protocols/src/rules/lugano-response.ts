import { z } from 'zod';

/**
 * Lymphoma response by the Lugano classification (Cheson et al., J Clin Oncol 2014; clinical.md,
 * "Response"): PET-CT Deauville score where there is one, CT sum of the products of the diameters
 * (SPD) of up to 6 target lesions otherwise. CT-only CR (all nodes ≤1.5 cm) is not modelled: a
 * site records that response directly.
 */

export const luganoInputSchema = z
  .object({
    /** Deauville 5-point score of the most avid residual lesion on PET-CT. */
    deauville: z.number().int().min(1).max(5).optional(),
    /** SPD change from baseline, percent; negative is shrinkage (−50 is half the baseline SPD). */
    spdChangeFromBaselinePct: z.number().min(-100).max(10_000).optional(),
    /** SPD change from the smallest SPD on study (the nadir), percent. */
    spdChangeFromNadirPct: z.number().min(-100).max(10_000).optional(),
    /** A new FDG-avid lesion consistent with lymphoma. */
    newLesion: z.boolean(),
    /** FDG uptake reduced compared with baseline (for Deauville 4–5). */
    uptakeReducedFromBaseline: z.boolean().optional(),
    /** FDG uptake increased compared with baseline (Deauville 4–5 with it is progression). */
    uptakeIncreasedFromBaseline: z.boolean().optional(),
  })
  .strict()
  .refine((lugano) => !(lugano.uptakeReducedFromBaseline && lugano.uptakeIncreasedFromBaseline), {
    message: 'uptake cannot be both reduced and increased from baseline',
    path: ['uptakeIncreasedFromBaseline'],
  })
  .refine(
    (lugano) =>
      lugano.newLesion ||
      lugano.deauville !== undefined ||
      lugano.spdChangeFromBaselinePct !== undefined ||
      lugano.spdChangeFromNadirPct !== undefined,
    { message: 'give a Deauville score or an SPD change (or report a new lesion) to assess the response', path: ['deauville'] },
  );

export type LuganoInput = z.infer<typeof luganoInputSchema>;

export type LuganoResponse = 'CR' | 'PR' | 'SD' | 'PD';

export interface LuganoResult {
  response: LuganoResponse;
  reason: string;
}

/** A fall of the SPD from baseline by at least this much is a partial response. */
export const PARTIAL_RESPONSE_SPD_FALL_PCT = 50;
/** A rise of the SPD from nadir by at least this much is progression. */
export const PROGRESSION_SPD_RISE_PCT = 50;

/**
 * PD: a new FDG-avid lesion, an SPD ≥50 % above nadir, or Deauville 4–5 with increased uptake.
 * CR: Deauville 1–3. PR: Deauville 4–5 with reduced uptake, or an SPD ≥50 % below baseline.
 * SD: none of these.
 */
export function luganoResponse(input: LuganoInput): LuganoResult {
  const { deauville, spdChangeFromBaselinePct: fromBaseline, spdChangeFromNadirPct: fromNadir } = input;
  const avid = deauville !== undefined && deauville >= 4;
  if (input.newLesion) return { response: 'PD', reason: 'a new FDG-avid lesion' };
  if (fromNadir !== undefined && fromNadir >= PROGRESSION_SPD_RISE_PCT) {
    return { response: 'PD', reason: `SPD ${signed(fromNadir)} % from nadir (progression from +${PROGRESSION_SPD_RISE_PCT} %)` };
  }
  if (avid && input.uptakeIncreasedFromBaseline) {
    return { response: 'PD', reason: `Deauville ${deauville} with uptake increased from baseline` };
  }
  if (deauville !== undefined && !avid) return { response: 'CR', reason: `complete metabolic response: Deauville ${deauville}` };
  if (avid && input.uptakeReducedFromBaseline) {
    return { response: 'PR', reason: `partial metabolic response: Deauville ${deauville} with uptake reduced from baseline` };
  }
  if (fromBaseline !== undefined && fromBaseline <= -PARTIAL_RESPONSE_SPD_FALL_PCT) {
    const threshold = `partial response from −${PARTIAL_RESPONSE_SPD_FALL_PCT} %`;
    return { response: 'PR', reason: `SPD ${signed(fromBaseline)} % from baseline (${threshold})` };
  }
  const findings = [
    deauville !== undefined ? `Deauville ${deauville} without reduced uptake` : undefined,
    fromBaseline !== undefined ? `SPD ${signed(fromBaseline)} % from baseline` : undefined,
    fromNadir !== undefined ? `SPD ${signed(fromNadir)} % from nadir` : undefined,
  ].filter((finding): finding is string => finding !== undefined);
  return { response: 'SD', reason: `stable disease: ${findings.join(', ') || 'no measurement'}` };
}

/** Counts toward the objective response rate (ORR = CR + PR). */
export function objectiveResponse(response: LuganoResponse): boolean {
  return response === 'CR' || response === 'PR';
}

/** Counts toward the disease control rate (DCR = CR + PR + SD). */
export function diseaseControl(response: LuganoResponse): boolean {
  return response !== 'PD';
}

function signed(pct: number): string {
  return pct > 0 ? `+${pct}` : pct < 0 ? `−${-pct}` : '0';
}
