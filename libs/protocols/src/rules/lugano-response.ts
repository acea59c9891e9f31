import { z } from 'zod';

/**
 * Lymphoma response by the Lugano classification (Cheson et al., J Clin Oncol 2014;32:3059–3068,
 * Table 3; docs/clinical.md, section "Response"): PET-CT Deauville score where there is one, CT measurements of
 * up to 6 target lesions otherwise, and progression judged on each lesion from its own nadir. CT-only
 * CR (all nodes ≤1.5 cm) is not modelled: a site records that response directly.
 */

/** Longest (LDi) and shortest (SDi) transverse diameter of a lesion on CT, cm (Lugano 2014). */
export interface LesionSize {
  ldiCm: number;
  sdiCm: number;
}

/**
 * One target node or extranodal lesion as measured on this assessment. Lugano's conventions hold:
 * a lesion too small to measure is 0.5 × 0.5 cm, one no longer visible 0 × 0 cm.
 */
export interface LesionMeasurement extends LesionSize {
  /** The site's name for the lesion, the same on every assessment ("L1", "left axillary node"). */
  id: string;
}

/** What earlier assessments say of a lesion: its baseline size and its smallest size so far (nadir). */
export interface LesionPrior {
  baseline?: LesionSize;
  /** The measurement with the smallest PPD before this assessment, the baseline included. */
  nadir?: LesionSize;
}

/** Lugano's limit of the SPD: the sum over up to 6 target lesions. */
export const MAX_TARGET_LESIONS = 6;

/** A lesion diameter in cm. */
export const lesionDiameterCm = z.number().min(0).max(100).meta({ 'x-unit': 'cm' });

/** The fields of a lesion measurement, for the schemas that carry one (events.ts adds the baseline). */
export const lesionMeasurementShape = { id: z.string().trim().min(1).max(40), ldiCm: lesionDiameterCm, sdiCm: lesionDiameterCm };

/** The shortest diameter of a lesion is never above its longest. */
export const shortestNotAboveLongest: [(lesion: LesionSize) => boolean, { message: string; path: string[] }] = [
  (lesion) => lesion.sdiCm <= lesion.ldiCm,
  { message: 'the shortest diameter (sdiCm) cannot exceed the longest (ldiCm)', path: ['sdiCm'] },
];

export const lesionMeasurementSchema = z
  .object(lesionMeasurementShape)
  .strict()
  .refine(...shortestNotAboveLongest);

export const luganoInputSchema = z
  .object({
    /** Deauville 5-point score of the most avid residual lesion on PET-CT. */
    deauville: z.number().int().min(1).max(5).optional(),
    /** SPD change from baseline, percent; negative is shrinkage (−50 is half the baseline SPD). */
    spdChangeFromBaselinePct: z.number().min(-100).max(10_000).optional(),
    /** SPD change from the smallest SPD on study (the nadir), percent. */
    spdChangeFromNadirPct: z.number().min(-100).max(10_000).optional(),
    /** The target lesions measured on CT; each is judged against its own nadir. */
    lesions: z
      .array(lesionMeasurementSchema)
      .min(1)
      .max(MAX_TARGET_LESIONS, { message: `the SPD is summed over up to ${MAX_TARGET_LESIONS} target lesions (Lugano 2014): give at most ${MAX_TARGET_LESIONS}` })
      .optional(),
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
      lugano.spdChangeFromNadirPct !== undefined ||
      lugano.lesions !== undefined,
    {
      message: 'give a Deauville score, the target lesions or an SPD change (or report a new lesion) to assess the response',
      path: ['deauville'],
    },
  )
  .refine((lugano) => !lugano.lesions || (lugano.spdChangeFromBaselinePct === undefined && lugano.spdChangeFromNadirPct === undefined), {
    message: 'give the target lesions or the SPD changes, not both: the SPD is computed from the lesions',
    path: ['lesions'],
  })
  .refine((lugano) => !lugano.lesions || new Set(lugano.lesions.map((l) => l.id)).size === lugano.lesions.length, {
    message: 'each lesion is measured once per assessment: lesion ids must be unique',
    path: ['lesions'],
  });

export type LuganoInput = z.infer<typeof luganoInputSchema>;

export type LuganoResponse = 'CR' | 'PR' | 'SD' | 'PD';

export interface LuganoResult {
  response: LuganoResponse;
  reason: string;
}

/** A fall of the SPD from baseline by at least this much is a partial response. */
export const PARTIAL_RESPONSE_SPD_FALL_PCT = 50;
/** A rise of the SPD from nadir by at least this much is progression (the SPD finding of a site). */
export const PROGRESSION_SPD_RISE_PCT = 50;

/** Lugano 2014, PPD progression: the lesion must be abnormal, LDi above 1.5 cm ... */
export const PROGRESSION_LDI_ABOVE_CM = 1.5;
/** ... its PPD at least 50 % above its PPD nadir ... */
export const PROGRESSION_PPD_RISE_PCT = 50;
/** ... and its LDi or SDi up from nadir by 0.5 cm for a lesion ≤ 2 cm, by 1.0 cm for one > 2 cm. */
export const SMALL_LESION_UP_TO_CM = 2;
export const SMALL_LESION_GROWTH_CM = 0.5;
export const LARGE_LESION_GROWTH_CM = 1;

/** Measurements are given to the millimetre or finer; a difference this small is rounding. */
const ROUNDING = 1e-9;

/** Product of the perpendicular diameters, cm². */
export const ppd = (lesion: LesionSize) => lesion.ldiCm * lesion.sdiCm;

/**
 * Whether one node or lesion has progressed from its nadir by Lugano 2014 ("PPD progression: an
 * individual node/lesion must be abnormal with LDi > 1.5 cm and increase by ≥ 50 % from PPD nadir
 * and an increase in LDi or SDi from nadir: 0.5 cm for lesions ≤ 2 cm, 1.0 cm for lesions > 2 cm").
 * "Lesions ≤ 2 cm" is read as the lesion's LDi at its nadir, the size it grows from. Returns the
 * finding in words, or undefined when it has not progressed.
 */
export function lesionProgression(id: string, now: LesionSize, nadir: LesionSize): string | undefined {
  const abnormal = now.ldiCm > PROGRESSION_LDI_ABOVE_CM;
  const risen = ppd(now) - ppd(nadir) * (1 + PROGRESSION_PPD_RISE_PCT / 100) >= -ROUNDING;
  const small = nadir.ldiCm <= SMALL_LESION_UP_TO_CM;
  const growth = small ? SMALL_LESION_GROWTH_CM : LARGE_LESION_GROWTH_CM;
  const grown = now.ldiCm - nadir.ldiCm - growth >= -ROUNDING || now.sdiCm - nadir.sdiCm - growth >= -ROUNDING;
  if (!(abnormal && risen && grown)) return undefined;
  const rise = ppd(nadir) > 0 ? `PPD ${signed(round((ppd(now) / ppd(nadir) - 1) * 100))} %` : 'PPD up from 0';
  return (
    `lesion ${id} ${size(now)} from its nadir ${size(nadir)}: ${rise}, ` +
    `LDi or SDi up by ${growth.toFixed(1)} cm or more (a lesion ${small ? '≤' : '>'} ${SMALL_LESION_UP_TO_CM} cm), LDi above ${PROGRESSION_LDI_ABOVE_CM} cm`
  );
}

/**
 * PD: a new FDG-avid lesion, a target lesion progressed from its nadir (`lesionProgression`), an
 * SPD ≥50 % above nadir, or Deauville 4–5 with increased uptake. Then, on PET-CT: CR for Deauville
 * 1–3; PR for Deauville 4–5 with uptake reduced from baseline; SD for Deauville 4–5 without it (no
 * metabolic response), whatever the SPD. On CT alone: PR for an SPD ≥50 % below baseline (given, or
 * computed from the lesions' baselines), else SD. `priors` holds each lesion's baseline and nadir
 * from earlier assessments; a lesion without a nadir cannot be judged for progression yet.
 */
export function luganoResponse(input: LuganoInput, priors: Record<string, LesionPrior> = {}): LuganoResult {
  const { deauville, spdChangeFromNadirPct: fromNadir } = input;
  const avid = deauville !== undefined && deauville >= 4;
  if (input.newLesion) return { response: 'PD', reason: 'a new FDG-avid lesion' };
  const progressed = (input.lesions ?? [])
    .map((lesion) => {
      const nadir = priors[lesion.id]?.nadir;
      return nadir && lesionProgression(lesion.id, lesion, nadir);
    })
    .filter((finding): finding is string => typeof finding === 'string');
  if (progressed.length) return { response: 'PD', reason: `progression: ${progressed.join('; ')}` };
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
  const fromBaseline = input.spdChangeFromBaselinePct ?? spdChangeFromBaseline(input.lesions, priors);
  const spd = fromBaseline !== undefined ? `SPD ${signed(fromBaseline)} % from baseline` : undefined;
  if (avid) {
    return { response: 'SD', reason: `no metabolic response: Deauville ${deauville} without reduced uptake from baseline${spd ? `, whatever the ${spd}` : ''}` };
  }
  if (fromBaseline !== undefined && fromBaseline <= -PARTIAL_RESPONSE_SPD_FALL_PCT) {
    return { response: 'PR', reason: `${spd} (partial response from −${PARTIAL_RESPONSE_SPD_FALL_PCT} %)` };
  }
  const findings = [spd, fromNadir !== undefined ? `SPD ${signed(fromNadir)} % from nadir` : undefined].filter((finding): finding is string => finding !== undefined);
  return { response: 'SD', reason: `stable disease: ${findings.join(', ') || 'no measurement'}` };
}

/**
 * The SPD change from baseline in percent, computed from the target lesions when each has a
 * baseline on record and their baseline SPD is not 0; undefined otherwise. Rounded to 0.1 %.
 */
export function spdChangeFromBaseline(lesions: readonly LesionMeasurement[] | undefined, priors: Record<string, LesionPrior>): number | undefined {
  if (!lesions?.length) return undefined;
  const baselines = lesions.map((lesion) => priors[lesion.id]?.baseline);
  if (baselines.some((baseline) => baseline === undefined)) return undefined;
  const before = baselines.reduce((sum, baseline) => sum + ppd(baseline!), 0);
  if (before === 0) return undefined;
  const now = lesions.reduce((sum, lesion) => sum + ppd(lesion), 0);
  return round(((now - before) / before) * 100);
}

/** The smallest of the sizes by PPD (the first of equals); undefined for none. */
export function nadirOf(sizes: readonly LesionSize[]): LesionSize | undefined {
  return sizes.reduce<LesionSize | undefined>((smallest, s) => (smallest === undefined || ppd(s) < ppd(smallest) ? s : smallest), undefined);
}

/** Counts toward the objective response rate (ORR = CR + PR). */
export function objectiveResponse(response: LuganoResponse): boolean {
  return response === 'CR' || response === 'PR';
}

/** Counts toward the disease control rate (DCR = CR + PR + SD). */
export function diseaseControl(response: LuganoResponse): boolean {
  return response !== 'PD';
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function size(lesion: LesionSize): string {
  return `${lesion.ldiCm} × ${lesion.sdiCm} cm`;
}

function signed(pct: number): string {
  return pct > 0 ? `+${pct}` : pct < 0 ? `−${-pct}` : '0';
}
