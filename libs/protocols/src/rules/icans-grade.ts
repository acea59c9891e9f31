import { z } from 'zod';

/**
 * Immune effector cell-associated neurotoxicity syndrome by the ASTCT consensus (Lee et al., Biol
 * Blood Marrow Transplant 2019; docs/clinical.md, section "Toxicity grading"). The grade is the worst of five
 * domains; ICE for patients over 12, CAPD for children aged 12 or under.
 */

/** The ICE screen: orientation 4, naming 3, commands 1, writing 1, attention 1 point. */
export const iceScoreSchema = z
  .object({
    /** Year, month, city, hospital. */
    orientation: z.number().int().min(0).max(4),
    /** Three objects. */
    naming: z.number().int().min(0).max(3),
    commands: z.number().int().min(0).max(1),
    writing: z.number().int().min(0).max(1),
    /** Counting back from 100 by 10. */
    attention: z.number().int().min(0).max(1),
  })
  .strict();

export type IceScoreParts = z.infer<typeof iceScoreSchema>;

/** The ICE score, 0–10: the sum of its parts. */
export function iceScore(parts: IceScoreParts): number {
  return parts.orientation + parts.naming + parts.commands + parts.writing + parts.attention;
}

/**
 * Level of consciousness, not explained by another cause such as sedation. `awake` is a normal
 * level (grade 0); `awakens-spontaneously` is ASTCT grade 1 (drowsy, wakes by itself).
 */
export const consciousnessLevels = ['awake', 'awakens-spontaneously', 'awakens-to-voice', 'awakens-to-touch', 'unarousable', 'stupor', 'coma'] as const;

/** Both grade-3 kinds of seizure are kept apart because sites record them apart. */
export const seizureKinds = [
  'none',
  'focal-or-generalized-resolving-rapidly',
  'nonconvulsive-on-eeg-resolving-with-intervention',
  /** Life-threatening (>5 min), or repeated without return to baseline in between. */
  'prolonged-or-repetitive',
] as const;

export const motorFindings = ['none', 'deep-focal-weakness'] as const;

/**
 * Raised intracranial pressure or cerebral oedema on neuroimaging. `raised-icp-signs` is decerebrate
 * or decorticate posturing, cranial nerve VI palsy, papilloedema or Cushing's triad (grade 4).
 */
export const edemaFindings = ['none', 'focal-local', 'diffuse-cerebral', 'raised-icp-signs'] as const;

export const icansInputSchema = z
  .object({
    /** ICE score 0–10, for patients over 12. */
    ice: z.number().int().min(0).max(10).meta({ 'x-unit': '{ICE score}' }).optional(),
    /** Cornell Assessment of Pediatric Delirium 0–32, for children aged 12 or under. */
    capd: z.number().int().min(0).max(32).meta({ 'x-unit': '{CAPD score}' }).optional(),
    consciousness: z.enum(consciousnessLevels),
    seizure: z.enum(seizureKinds),
    motor: z.enum(motorFindings),
    edema: z.enum(edemaFindings),
  })
  .strict()
  .refine((icans) => icans.ice === undefined || icans.capd === undefined, {
    message: 'give the ICE score (over 12 years) or the CAPD score (12 years or under), not both',
    path: ['capd'],
  });

export type IcansInput = z.infer<typeof icansInputSchema>;

export type IcansGrade = 0 | 1 | 2 | 3 | 4;

export interface IcansGrading {
  grade: IcansGrade;
  /** The grade each domain gives alone (ice or capd only when it was scored). */
  domains: {
    ice?: IcansGrade;
    capd?: IcansGrade;
    consciousness: IcansGrade;
    seizure: IcansGrade;
    motor: IcansGrade;
    edema: IcansGrade;
  };
  reason: string;
}

/** ICE is for patients over this age; at or under it, CAPD (ASTCT). */
export const CAPD_UP_TO_AGE_YEARS = 12;

/**
 * The ASTCT ICANS grade: the worst domain. ICE 10 → 0, 7–9 → 1, 3–6 → 2, 0–2 → 3 (ICE 0 in an
 * unarousable patient is grade 4 through consciousness). CAPD (children ≤12): 0 → 0, 1–8 → 1
 * (ASTCT gives 1–8 for grades 1 and 2; consciousness tells them apart), ≥9 → 3; a child unable to
 * do the CAPD is graded by consciousness. Throws a RangeError for an ICE score in a child aged 12 or
 * under, for both scores at once, or for an impossible age: fix the record, it cannot be graded.
 */
export function gradeIcans(input: IcansInput, patient: { ageYears: number }): IcansGrading {
  const { ageYears } = patient;
  if (!Number.isFinite(ageYears) || ageYears < 0) {
    throw new RangeError(`age must be a non-negative number of years, got ${ageYears}`);
  }
  if (input.ice !== undefined && input.capd !== undefined) {
    throw new RangeError('give the ICE score or the CAPD score, not both');
  }
  if (input.ice !== undefined && ageYears <= CAPD_UP_TO_AGE_YEARS) {
    throw new RangeError(`a child aged ${ageYears} is graded with the CAPD score, not ICE (ASTCT: ICE is for patients over 12)`);
  }
  const domains: IcansGrading['domains'] = {
    ...(input.ice !== undefined && { ice: gradeIce(input.ice) }),
    ...(input.capd !== undefined && { capd: gradeCapd(input.capd) }),
    consciousness: CONSCIOUSNESS_GRADE[input.consciousness],
    seizure: SEIZURE_GRADE[input.seizure],
    motor: input.motor === 'none' ? 0 : 4,
    edema: EDEMA_GRADE[input.edema],
  };
  const findings = describeDomains(input);
  const grade = Math.max(...findings.map(({ domain }) => domains[domain] ?? 0)) as IcansGrade;
  if (grade === 0) return { grade, domains, reason: `${findings.map((f) => f.words).join(', ')}: no ICANS` };
  const worst = findings.filter(({ domain }) => domains[domain] === grade).map((f) => f.words);
  return { grade, domains, reason: `grade ${grade} by ${worst.join(' and ')}` };
}

function gradeIce(ice: number): IcansGrade {
  if (ice >= 10) return 0;
  if (ice >= 7) return 1;
  if (ice >= 3) return 2;
  return 3;
}

function gradeCapd(capd: number): IcansGrade {
  if (capd >= 9) return 3;
  return capd >= 1 ? 1 : 0;
}

const CONSCIOUSNESS_GRADE: Record<IcansInput['consciousness'], IcansGrade> = {
  awake: 0,
  'awakens-spontaneously': 1,
  'awakens-to-voice': 2,
  'awakens-to-touch': 3,
  unarousable: 4,
  stupor: 4,
  coma: 4,
};

const SEIZURE_GRADE: Record<IcansInput['seizure'], IcansGrade> = {
  none: 0,
  'focal-or-generalized-resolving-rapidly': 3,
  'nonconvulsive-on-eeg-resolving-with-intervention': 3,
  'prolonged-or-repetitive': 4,
};

const EDEMA_GRADE: Record<IcansInput['edema'], IcansGrade> = {
  none: 0,
  'focal-local': 3,
  'diffuse-cerebral': 4,
  'raised-icp-signs': 4,
};

const SEIZURE_IN_WORDS: Record<IcansInput['seizure'], string> = {
  none: 'no seizure',
  'focal-or-generalized-resolving-rapidly': 'a seizure that resolved rapidly',
  'nonconvulsive-on-eeg-resolving-with-intervention': 'a non-convulsive seizure on EEG that resolved with intervention',
  'prolonged-or-repetitive': 'a prolonged or repetitive seizure',
};

const EDEMA_IN_WORDS: Record<IcansInput['edema'], string> = {
  none: 'no cerebral oedema',
  'focal-local': 'focal oedema on neuroimaging',
  'diffuse-cerebral': 'diffuse cerebral oedema on neuroimaging',
  'raised-icp-signs': 'signs of raised intracranial pressure',
};

type Domain = keyof IcansGrading['domains'];

function describeDomains(input: IcansInput): Array<{ domain: Domain; words: string }> {
  const findings: Array<{ domain: Domain; words: string }> = [];
  if (input.ice !== undefined) findings.push({ domain: 'ice', words: `ICE ${input.ice}` });
  if (input.capd !== undefined) findings.push({ domain: 'capd', words: `CAPD ${input.capd}` });
  findings.push(
    { domain: 'consciousness', words: input.consciousness.replace(/-/g, ' ') },
    { domain: 'seizure', words: SEIZURE_IN_WORDS[input.seizure] },
    { domain: 'motor', words: input.motor === 'none' ? 'no motor weakness' : 'deep focal motor weakness' },
    { domain: 'edema', words: EDEMA_IN_WORDS[input.edema] },
  );
  return findings;
}
