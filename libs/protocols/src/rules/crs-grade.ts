import { z } from 'zod';

/**
 * Cytokine release syndrome by the ASTCT consensus (Lee et al., Biol Blood Marrow Transplant 2019;
 * docs/clinical.md, section "Toxicity grading").
 */

/** Oxygen support, from none to the most: the hypoxia domain of the ASTCT CRS grade. */
export const oxygenSupports = ['none', 'blow-by', 'nasal-cannula', 'high-flow-nasal-cannula', 'facemask', 'non-rebreather', 'venturi', 'cpap', 'bipap', 'intubation'] as const;

export type OxygenSupport = (typeof oxygenSupports)[number];

/** A nasal cannula above this flow is high-flow (ASTCT: low-flow is ≤6 L/min). */
export const LOW_FLOW_NASAL_CANNULA_MAX_L_PER_MIN = 6;

/** Fever for CRS: ≥38.0 °C. */
export const CRS_FEVER_FROM_C = 38;

export const crsInputSchema = z
  .object({
    /** Highest temperature, °C. */
    temperatureC: z.number().min(30).max(45).meta({ 'x-unit': 'Cel' }),
    hypotension: z.boolean(),
    /** How many vasopressors other than vasopressin the hypotension needs at once. */
    vasopressors: z.number().int().min(0).max(10).meta({ 'x-unit': '{vasopressors}' }),
    /** Vasopressin is given too (it does not count toward "multiple vasopressors"). */
    vasopressin: z.boolean().optional(),
    oxygen: z.enum(oxygenSupports),
    /** Oxygen flow; needed with a nasal cannula, where >6 L/min is high-flow. */
    oxygenLitresPerMinute: z.number().min(0).max(100).meta({ 'x-unit': 'L/min' }).optional(),
    /** Tocilizumab or steroids already given: fever is then not required (ASTCT). */
    afterTocilizumabOrSteroids: z.boolean().optional(),
    /** Antipyretics already given: they mask fever too, so it is then not required (ASTCT). */
    afterAntipyretics: z.boolean().optional(),
    /** Death from CRS, with no other principal cause. */
    diedOfCrs: z.boolean().optional(),
  })
  .strict()
  .refine((crs) => crs.hypotension || (crs.vasopressors === 0 && !crs.vasopressin), {
    message: 'a patient on vasopressors or vasopressin has hypotension: record hypotension as true',
    path: ['hypotension'],
  })
  .refine((crs) => crs.oxygen !== 'nasal-cannula' || crs.oxygenLitresPerMinute !== undefined, {
    message: 'give the nasal cannula flow in L/min: above 6 L/min it is high-flow',
    path: ['oxygenLitresPerMinute'],
  });

export type CrsInput = z.infer<typeof crsInputSchema>;

export type CrsGrade = 0 | 1 | 2 | 3 | 4 | 5;
/** Grade of one domain: 0 when absent; the domains start at grade 2. */
export type CrsDomainGrade = 0 | 2 | 3 | 4;

export interface CrsGrading {
  grade: CrsGrade;
  /** What the hypotension alone grades, reported even when there is no fever (and so no CRS). */
  hypotensionGrade: CrsDomainGrade;
  /** What the oxygen support alone grades, reported even when there is no fever. */
  hypoxiaGrade: CrsDomainGrade;
  reason: string;
}

/**
 * The ASTCT CRS grade: fever ≥38.0 °C is required, except after antipyretics or anticytokine
 * therapy (Lee et al. 2019: "In patients who have CRS then receive antipyretic or anticytokine
 * therapy such as tocilizumab or steroids, fever is no longer required to grade subsequent CRS
 * severity"). Grade 1 is fever alone, grades 2–4 are the worse of the hypotension and hypoxia
 * grades, grade 5 is death from CRS. Without fever, and with none of these treatments, it is not
 * CRS: grade 0.
 */
export function gradeCrs(input: CrsInput): CrsGrading {
  const hypotensionGrade = gradeHypotension(input);
  const hypoxiaGrade = gradeHypoxia(input);
  const domains = { hypotensionGrade, hypoxiaGrade };
  if (input.diedOfCrs) return { grade: 5, ...domains, reason: 'death from CRS' };

  const fever = input.temperatureC >= CRS_FEVER_FROM_C;
  const masking = feverMaskedBy(input);
  if (!fever && !masking) {
    return {
      grade: 0,
      ...domains,
      reason: `no fever (${input.temperatureC} °C is below ${CRS_FEVER_FROM_C}.0 °C) and no antipyretics, tocilizumab or steroids: not CRS by ASTCT criteria`,
    };
  }
  const worst = Math.max(hypotensionGrade, hypoxiaGrade) as CrsDomainGrade;
  if (worst === 0) {
    return fever
      ? { grade: 1, ...domains, reason: `fever ${input.temperatureC} °C without hypotension or hypoxia` }
      : { grade: 0, ...domains, reason: `after ${masking}, without hypotension or hypoxia` };
  }
  const findings = [hypotensionGrade === worst ? describeHypotension(input) : undefined, hypoxiaGrade === worst ? describeOxygen(input) : undefined].filter(
    (finding): finding is string => finding !== undefined,
  );
  const context = fever ? `fever ${input.temperatureC} °C` : `after ${masking}`;
  return { grade: worst, ...domains, reason: `${context} with ${findings.join(' and ')}` };
}

/** The treatments given that mask fever, in words; undefined when none was. */
function feverMaskedBy(input: CrsInput): string | undefined {
  const given = [input.afterAntipyretics ? 'antipyretics' : undefined, input.afterTocilizumabOrSteroids ? 'tocilizumab or steroids' : undefined];
  return given.filter((treatment) => treatment !== undefined).join(' and ') || undefined;
}

function gradeHypotension(input: CrsInput): CrsDomainGrade {
  if (input.vasopressors >= 2) return 4;
  if (input.vasopressors === 1 || input.vasopressin) return 3;
  return input.hypotension ? 2 : 0;
}

function gradeHypoxia(input: CrsInput): CrsDomainGrade {
  switch (input.oxygen) {
    case 'none':
      return 0;
    case 'blow-by':
      return 2;
    case 'nasal-cannula':
      return isHighFlow(input) ? 3 : 2;
    case 'high-flow-nasal-cannula':
    case 'facemask':
    case 'non-rebreather':
    case 'venturi':
      return 3;
    case 'cpap':
    case 'bipap':
    case 'intubation':
      return 4;
  }
}

/** A nasal cannula with no recorded flow is taken as low-flow (the schema asks for the flow). */
function isHighFlow(input: CrsInput): boolean {
  return (input.oxygenLitresPerMinute ?? 0) > LOW_FLOW_NASAL_CANNULA_MAX_L_PER_MIN;
}

function describeHypotension(input: CrsInput): string {
  const vasopressin = input.vasopressin ? ' and vasopressin' : '';
  if (input.vasopressors >= 2) return `hypotension needing ${input.vasopressors} vasopressors${vasopressin}`;
  if (input.vasopressors === 1) return `hypotension needing one vasopressor${vasopressin}`;
  if (input.vasopressin) return 'hypotension needing vasopressin';
  return 'hypotension not needing vasopressors';
}

const OXYGEN_IN_WORDS: Record<Exclude<OxygenSupport, 'none' | 'nasal-cannula'>, string> = {
  'blow-by': 'blow-by oxygen',
  'high-flow-nasal-cannula': 'a high-flow nasal cannula',
  facemask: 'a facemask',
  'non-rebreather': 'a non-rebreather mask',
  venturi: 'a Venturi mask',
  cpap: 'positive pressure (CPAP)',
  bipap: 'positive pressure (BiPAP)',
  intubation: 'positive pressure (intubation)',
};

function describeOxygen(input: CrsInput): string {
  const flow = input.oxygenLitresPerMinute === undefined ? '' : ` at ${input.oxygenLitresPerMinute} L/min`;
  if (input.oxygen === 'none') return 'no oxygen';
  if (input.oxygen === 'nasal-cannula') {
    return `hypoxia needing a ${isHighFlow(input) ? 'high' : 'low'}-flow nasal cannula${flow}`;
  }
  return `hypoxia needing ${OXYGEN_IN_WORDS[input.oxygen]}`;
}
