import type { ExpectedEvent } from '../rules/dlt';

/**
 * Toxicities expected after a CAR-T infusion that a DLT definition may allow, stated once so the
 * protocols that allow them say so alike. Each protocol file says which it allows and why.
 */
export const EXPECTED_AFTER_CAR_T = {
  infusionReaction: {
    term: 'infusion related reaction',
    maxGrade: 2,
    description: 'an infusion-related reaction of grade ≤2 (expected with intravenous cell infusion)',
  },
  fever: { term: 'fever', maxGrade: 3, resolvesWithinDays: 3, description: 'fever that resolves within 3 days' },
  crs: {
    term: 'cytokine release syndrome',
    maxGrade: 3,
    resolvesWithinDays: 7,
    resolution: 'grade-1-or-less',
    description: 'CRS of grade ≤3 that resolves to grade ≤1 within 7 days',
  },
  icans: {
    term: 'immune effector cell-associated neurotoxicity syndrome',
    maxGrade: 3,
    resolvesWithinDays: 7,
    description: 'ICANS of grade ≤3 that resolves within 7 days',
  },
} satisfies Record<string, ExpectedEvent>;
