import type { responseAssessedDataSchema } from '#protocols';
import type { z } from 'zod';
import { type Random, round } from '../random';

/** The findings of a RESPONSE_ASSESSED (its data without the visit), from which the engine computes the response. */
export type ResponseFindings = Omit<z.input<typeof responseAssessedDataSchema>, 'visit' | 'response'>;

/** Counts as a site's lab reports them: half in ×10⁹/L, half in cells/µL, the unit always said (the engine converts, never guesses). */
function inLabUnits(rng: Random, counts: { anc: number; platelets: number }): Pick<ResponseFindings, 'anc' | 'platelets' | 'countsUnit'> {
  return rng.chance(0.5) ? { ...counts, countsUnit: '10^9/L' } : { anc: Math.round(counts.anc * 1000), platelets: Math.round(counts.platelets * 1000), countsUnit: '/uL' };
}

/** ALL in morphologic remission: < 5 % marrow blasts, none in blood or elsewhere; counts recovered or not (CR / CRi). */
export function allRemissionFindings(rng: Random, o: { countsRecovered: boolean; mrdPct: number }): ResponseFindings {
  const recovered = { anc: round(rng.between(1.1, 4.5), 1), platelets: rng.int(105, 320) };
  const notRecovered = rng.pick([
    { anc: round(rng.between(0.2, 0.9), 1), platelets: rng.int(40, 180) },
    { anc: round(rng.between(1.0, 3.0), 1), platelets: rng.int(15, 95) },
  ]);
  return {
    marrowBlastsPct: round(rng.between(0, 4.5), 1),
    circulatingBlasts: false,
    extramedullary: false,
    ...inLabUnits(rng, o.countsRecovered ? recovered : notRecovered),
    mrdPct: o.mrdPct,
  };
}

/** Active leukaemia in marrow (no remission, or a morphologic relapse). */
export function allMarrowDiseaseFindings(rng: Random): ResponseFindings {
  const blasts = round(rng.between(8, 85), 1);
  return {
    marrowBlastsPct: blasts,
    circulatingBlasts: blasts > 25 ? rng.chance(0.7) : rng.chance(0.2),
    extramedullary: rng.chance(0.1),
    ...inLabUnits(rng, { anc: round(rng.between(0.1, 1.4), 1), platelets: rng.int(8, 110) }),
    mrdPct: round(Math.min(100, blasts * rng.between(0.8, 1.1)), 2),
  };
}

/** Leukaemia back outside the marrow only (an extramedullary relapse): the marrow is still in remission. */
export function allExtramedullaryFindings(rng: Random, mrdPct: number): ResponseFindings {
  return { ...allRemissionFindings(rng, { countsRecovered: true, mrdPct }), extramedullary: true };
}

/** MRD below 0.01 % (negative) or above it (positive), as flow reports it. */
export function drawMrdPct(rng: Random, negative: boolean): number {
  return negative ? round(rng.between(0, 0.009), 3) : round(rng.between(0.02, 0.9), 2);
}

export type LuganoCategory = 'CR' | 'PR' | 'SD' | 'PD';

/**
 * PET-CT (or, for a PR, CT-only) findings of a Lugano 2014 category (the engine computes the
 * response from them). A Deauville 4–5 without reduced uptake is no metabolic response, whatever
 * the SPD: a PR on PET-CT needs the reduced uptake.
 */
export function luganoFindings(rng: Random, category: LuganoCategory): ResponseFindings {
  switch (category) {
    case 'CR':
      return { deauville: rng.int(1, 3), spdChangePct: rng.int(-100, -70), newLesion: false };
    case 'PR':
      return rng.chance(0.5)
        ? { deauville: 4, uptakeReducedFromBaseline: true, spdChangePct: rng.int(-80, -35), newLesion: false }
        : { spdChangePct: rng.int(-85, -50), newLesion: false };
    case 'SD':
      return { deauville: rng.int(4, 5), spdChangePct: rng.int(-40, 15), spdChangeFromNadirPct: rng.int(0, 30), newLesion: false };
    case 'PD':
      return rng.chance(0.5)
        ? { deauville: 5, newLesion: true, spdChangeFromNadirPct: rng.int(20, 120) }
        : { deauville: 5, uptakeIncreasedFromBaseline: true, spdChangePct: rng.int(10, 90), spdChangeFromNadirPct: rng.int(50, 150), newLesion: false };
  }
}
