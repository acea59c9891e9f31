import type { CrsInput, IcansInput } from '#protocols';
import type { Random } from '../random';
import { round } from '../random';

/** How a site grades a reported AE: a CTCAE grade, or the ASTCT findings the engine grades. */
export type AdverseEventGrading = { grade: number } | { crs: CrsInput } | { icans: IcansInput };

/** One adverse event of a patient, planned at infusion. */
export interface PlannedAdverseEvent {
  term: string;
  /** Days from the infusion to the onset. */
  onsetDay: number;
  /** Days from the onset to the first report (sites report a little late). */
  reportAfterDays: number;
  grading: AdverseEventGrading;
  /** The grade the report gives (the findings' ASTCT grade for CRS and ICANS). */
  grade: number;
  related: boolean;
  serious: boolean;
  /** Days from the onset until it resolved; the site then reports it again with `resolvedAt`. */
  resolvedAfterDays?: number;
}

export const CRS_TERM = 'Cytokine release syndrome';
export const ICANS_TERM = 'Immune effector cell-associated neurotoxicity syndrome';

/** Related grade ≥ 3 non-haematological toxicities other than CRS and ICANS: the usual DLTs. */
const ORGAN_TOXICITIES = ['Alanine aminotransferase increased', 'Acute kidney injury', 'Tumor lysis syndrome', 'Atrial fibrillation'];

/**
 * Everything a patient goes through after the infusion, by toxicity intensity (0–1, growing with the
 * dose level): CRS and ICANS graded from findings (ASTCT), cytopenias (expected, never DLTs),
 * low-grade events, infections, and now and then a related organ toxicity of grade 3.
 */
export function drawAdverseEvents(rng: Random, intensity: number): PlannedAdverseEvent[] {
  const x = Math.min(1, Math.max(0, intensity));
  const events: PlannedAdverseEvent[] = [];

  const crsGrade = rng.weighted([
    [0, 0.4 * (1 - x) + 0.05],
    [1, 0.3],
    [2, 0.15 + 0.15 * x],
    [3, 0.03 + 0.2 * x],
    [4, 0.005 + 0.1 * x * x],
  ] as const);
  if (crsGrade > 0) {
    const lateResolution = crsGrade >= 3 && rng.chance(0.1 + 0.2 * x);
    events.push({
      term: CRS_TERM,
      onsetDay: crsGrade >= 3 ? rng.between(0.5, 3) : rng.between(1, 6),
      reportAfterDays: rng.between(0.2, 1.2),
      grading: { crs: crsFindings(rng, crsGrade) },
      grade: crsGrade,
      related: true,
      serious: crsGrade >= 3 || rng.chance(0.3),
      resolvedAfterDays: lateResolution ? rng.between(9, 15) : rng.between(2, crsGrade >= 3 ? 6.5 : 5),
    });
  }

  const icansGrade = rng.weighted([
    [0, 0.75 - 0.35 * x],
    [1, 0.1 + 0.05 * x],
    [2, 0.07 + 0.08 * x],
    [3, 0.02 + 0.12 * x],
    [4, 0.003 + 0.05 * x * x],
  ] as const);
  if (icansGrade > 0) {
    events.push({
      term: ICANS_TERM,
      onsetDay: rng.between(3, 10),
      reportAfterDays: rng.between(0.2, 1),
      grading: { icans: icansFindings(rng, icansGrade) },
      grade: icansGrade,
      related: true,
      serious: icansGrade >= 3,
      resolvedAfterDays: rng.between(2, icansGrade >= 3 ? 12 : 6),
    });
  }

  if (rng.chance(0.02 + 0.12 * x)) {
    events.push(ctcae(rng, rng.pick(ORGAN_TOXICITIES), 3, { onset: [2, 21], related: true, serious: true }));
  }
  // Cytopenias after lymphodepletion: expected, and haematological, so never dose-limiting.
  if (rng.chance(0.85)) events.push(ctcae(rng, 'Neutrophil count decreased', rng.int(3, 4), { onset: [0, 4], related: true, serious: false }));
  if (rng.chance(0.55)) events.push(ctcae(rng, 'Platelet count decreased', rng.int(2, 4), { onset: [1, 10], related: true, serious: false }));
  if (rng.chance(0.45)) events.push(ctcae(rng, 'Anemia', rng.int(2, 3), { onset: [1, 14], related: true, serious: false }));
  if (rng.chance(0.25)) events.push(ctcae(rng, 'Febrile neutropenia', 3, { onset: [2, 12], related: false, serious: true }));
  if (rng.chance(0.1)) events.push(ctcae(rng, 'Infusion related reaction', rng.int(1, 2), { onset: [0.02, 0.2], related: true, serious: false }));
  // Low-grade events and infections.
  if (rng.chance(0.4)) events.push(ctcae(rng, 'Fatigue', rng.int(1, 2), { onset: [1, 20], related: rng.chance(0.5), serious: false }));
  if (rng.chance(0.3)) events.push(ctcae(rng, 'Nausea', 1, { onset: [0.5, 10], related: false, serious: false }));
  if (rng.chance(0.25)) events.push(ctcae(rng, 'Headache', 1, { onset: [1, 14], related: rng.chance(0.5), serious: false }));
  if (rng.chance(0.2)) events.push(ctcae(rng, 'Hypokalemia', rng.int(1, 2), { onset: [1, 14], related: false, serious: false }));
  if (rng.chance(0.12)) events.push(ctcae(rng, 'Lung infection', rng.int(2, 3), { onset: [10, 90], related: false, serious: true }));
  if (rng.chance(0.25)) events.push(ctcae(rng, 'Upper respiratory infection', 2, { onset: [30, 300], related: false, serious: false }));
  return events.sort((a, b) => a.onsetDay - b.onsetDay);
}

function ctcae(rng: Random, term: string, grade: number, o: { onset: [number, number]; related: boolean; serious: boolean }): PlannedAdverseEvent {
  return {
    term,
    onsetDay: rng.between(o.onset[0], o.onset[1]),
    reportAfterDays: rng.between(0.2, 2),
    grading: { grade },
    grade,
    related: o.related,
    serious: o.serious,
    ...(rng.chance(0.5) ? { resolvedAfterDays: rng.between(2, 14) } : {}),
  };
}

/** ASTCT CRS findings of a grade (1–4): fever, then the hypotension or the oxygen support that makes the grade. */
export function crsFindings(rng: Random, grade: number): CrsInput {
  const temperatureC = round(rng.between(38.1, 40.4), 1);
  const calm = { temperatureC, hypotension: false, vasopressors: 0, oxygen: 'none' as const };
  switch (grade) {
    case 1:
      return calm;
    case 2:
      return rng.pick<CrsInput>([
        { ...calm, hypotension: true },
        { ...calm, oxygen: 'nasal-cannula', oxygenLitresPerMinute: rng.int(1, 6) },
        { ...calm, hypotension: true, oxygen: 'blow-by' },
      ]);
    case 3:
      return rng.pick<CrsInput>([
        { ...calm, hypotension: true, vasopressors: 1 },
        { ...calm, hypotension: true, vasopressors: 1, vasopressin: true },
        { ...calm, oxygen: 'high-flow-nasal-cannula' },
        { ...calm, hypotension: true, oxygen: 'nasal-cannula', oxygenLitresPerMinute: rng.int(8, 15) },
        { ...calm, oxygen: 'facemask' },
      ]);
    case 4:
      return rng.pick<CrsInput>([
        { ...calm, hypotension: true, vasopressors: rng.int(2, 3) },
        { ...calm, hypotension: true, vasopressors: 1, oxygen: 'bipap' },
        { ...calm, hypotension: true, vasopressors: 2, oxygen: 'intubation' },
      ]);
    default:
      throw new RangeError(`CRS findings are drawn for grades 1–4, not ${grade}`);
  }
}

/** ASTCT ICANS findings of a grade (1–4) for a patient over 12 (ICE score). */
export function icansFindings(rng: Random, grade: number): IcansInput {
  const quiet = { seizure: 'none', motor: 'none', edema: 'none' } as const;
  switch (grade) {
    case 1:
      return { ...quiet, ice: rng.int(7, 9), consciousness: rng.pick(['awake', 'awakens-spontaneously'] as const) };
    case 2:
      return { ...quiet, ice: rng.int(3, 6), consciousness: rng.pick(['awake', 'awakens-spontaneously', 'awakens-to-voice'] as const) };
    case 3:
      return rng.pick<IcansInput>([
        { ...quiet, ice: rng.int(0, 2), consciousness: 'awakens-to-touch' },
        { ...quiet, ice: rng.int(1, 2), consciousness: 'awakens-to-voice' },
        { ...quiet, ice: rng.int(3, 6), consciousness: 'awakens-to-voice', seizure: 'focal-or-generalized-resolving-rapidly' },
        { ...quiet, ice: rng.int(2, 5), consciousness: 'awakens-to-voice', edema: 'focal-local' },
      ]);
    case 4:
      return rng.pick<IcansInput>([
        { ...quiet, ice: 0, consciousness: 'unarousable' },
        { ...quiet, ice: rng.int(0, 2), consciousness: 'awakens-to-touch', seizure: 'prolonged-or-repetitive' },
        { ...quiet, ice: 0, consciousness: 'stupor', edema: 'diffuse-cerebral' },
      ]);
    default:
      throw new RangeError(`ICANS findings are drawn for grades 1–4, not ${grade}`);
  }
}
