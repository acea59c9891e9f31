import type { RelapseKind, ResponseCriteria } from '#protocols';
import type { Random } from '../random';
import { allExtramedullaryFindings, allMarrowDiseaseFindings, allRemissionFindings, drawMrdPct, type LuganoCategory, luganoFindings, type ResponseFindings } from './response';

/** A progression or relapse: when it happens, its kind, and whether the site finds it between assessments. */
export interface Progression {
  day: number;
  kind: RelapseKind;
  antigenNegative?: boolean;
  /**
   * Found clinically (blood counts, symptoms, a scan) within days, and recorded then; otherwise only
   * the next response assessment shows it (an MRD relapse, or progression at the first scan).
   */
  clinical: boolean;
}

export type OffStudyEvent = 'DEATH' | 'WITHDRAWN' | 'LOST_TO_FOLLOW_UP';

/** How a patient's disease goes after the infusion, drawn at infusion; days are from Day 0. */
export interface DiseaseCourse {
  criteria: ResponseCriteria;
  /** ALL: the remission, when there is one (CRi until the counts recover). */
  remission?: { countsRecoveredDay: number; mrdPct: number };
  /** ALL without remission whose marrow improves enough for the investigator to record a PR (NCT03754764). */
  investigatorPr: boolean;
  /** Lugano: the first PET-CT's category, and when a PR deepens into a CR. */
  lugano?: { first: LuganoCategory; crFromDay?: number };
  /** Progressions and relapses in order (an MRD relapse may turn morphologic later). */
  progressions: Progression[];
  /** How the patient leaves the study before follow-up ends, if they do. */
  offStudy?: { day: number; event: OffStudyEvent; detail: string };
}

export interface CourseInputs {
  criteria: ResponseCriteria;
  /** Chance of a remission (ALL) or an objective response (Lugano). */
  responseChance: number;
  investigatorPrShare: number;
  transplantShare: number;
  followUpDays: number;
  /** The patient had grade ≥ 3 CRS or ICANS: a little more non-relapse mortality. */
  severeToxicity: boolean;
}

const NON_RELAPSE_DEATHS = ['sepsis', 'invasive fungal infection', 'pneumonia', 'haemophagocytic lymphohistiocytosis'];

export function drawCourse(rng: Random, o: CourseInputs): DiseaseCourse {
  const course: DiseaseCourse = o.criteria === 'ALL' ? drawAllCourse(rng, o) : drawLuganoCourse(rng, o);
  const within = (day: number) => (day < o.followUpDays - 10 ? day : undefined);

  const candidates: Array<DiseaseCourse['offStudy']> = [];
  const firstClinical = course.progressions.find((p) => p.kind !== 'mrd');
  if (firstClinical) {
    const disease = o.criteria === 'ALL' ? 'relapsed or refractory leukaemia' : 'progressive lymphoma';
    if (rng.chance(0.45)) candidates.push({ day: firstClinical.day + rng.between(20, 250), event: 'DEATH', detail: disease });
    else if (rng.chance(0.4)) {
      candidates.push({ day: firstClinical.day + rng.between(3, 25), event: 'WITHDRAWN', detail: 'disease progression: further therapy outside the study' });
    }
  }
  if (rng.chance(0.05 + (o.severeToxicity ? 0.08 : 0))) {
    candidates.push({ day: rng.between(10, 300), event: 'DEATH', detail: rng.pick(NON_RELAPSE_DEATHS) });
  }
  if (responded(course) && rng.chance(o.transplantShare)) {
    const day = rng.between(45, 120);
    if (!firstClinical || day < firstClinical.day) {
      candidates.push({ day, event: 'WITHDRAWN', detail: 'proceeding to a consolidative allogeneic stem cell transplant' });
    }
  }
  if (rng.chance(0.04)) candidates.push({ day: rng.between(120, o.followUpDays), event: 'LOST_TO_FOLLOW_UP', detail: 'no contact after repeated attempts' });

  const first = candidates.filter((c): c is NonNullable<typeof c> => c !== undefined && within(c.day) !== undefined).sort((a, b) => a.day - b.day)[0];
  if (first) course.offStudy = first;
  course.progressions = course.progressions.filter((p) => within(p.day) !== undefined && (!first || p.day < first.day));
  return course;
}

function drawAllCourse(rng: Random, o: CourseInputs): DiseaseCourse {
  if (!rng.chance(o.responseChance)) {
    const progression: Progression[] = rng.chance(0.6) ? [{ day: rng.between(21, 70), kind: 'morphologic', clinical: true }] : [];
    return { criteria: 'ALL', investigatorPr: rng.chance(o.investigatorPrShare), progressions: progression };
  }
  const mrdNegative = rng.chance(0.75);
  const remission = { countsRecoveredDay: rng.chance(0.7) ? 0 : rng.between(35, 100), mrdPct: drawMrdPct(rng, mrdNegative) };
  const progressions: Progression[] = [];
  if (rng.chance(0.35)) {
    const day = 60 + rng.exponential(200);
    const kind = rng.weighted<RelapseKind>(
      mrdNegative
        ? [
            ['morphologic', 0.6],
            ['extramedullary', 0.15],
            ['mrd', 0.25],
          ]
        : [
            ['morphologic', 0.8],
            ['extramedullary', 0.2],
          ],
    );
    if (kind === 'mrd') {
      progressions.push({ day, kind, clinical: false });
      if (rng.chance(0.5)) progressions.push({ day: day + rng.between(30, 120), kind: 'morphologic', antigenNegative: rng.chance(0.3), clinical: true });
    } else {
      progressions.push({ day, kind, antigenNegative: rng.chance(0.3), clinical: true });
    }
  }
  return { criteria: 'ALL', remission, investigatorPr: false, progressions };
}

function drawLuganoCourse(rng: Random, o: CourseInputs): DiseaseCourse {
  const responder = rng.chance(o.responseChance);
  const first: LuganoCategory = responder ? (rng.chance(0.6) ? 'CR' : 'PR') : rng.chance(0.45) ? 'SD' : 'PD';
  const crFromDay = first === 'PR' && rng.chance(0.5) ? rng.between(50, 84) : undefined;
  const progressions: Progression[] = [];
  if (first === 'PD') progressions.push({ day: rng.between(18, 26), kind: 'progression', clinical: false });
  else if (first === 'SD' && rng.chance(0.6)) progressions.push({ day: rng.between(50, 200), kind: 'progression', clinical: true });
  else if (responder && rng.chance(0.3)) progressions.push({ day: 90 + rng.exponential(200), kind: 'progression', clinical: true });
  return { criteria: 'LUGANO_2014', investigatorPr: false, lugano: { first, ...(crFromDay ? { crFromDay } : {}) }, progressions };
}

/** A remission (ALL) or an objective response at the first PET-CT (Lugano). */
export function responded(course: DiseaseCourse): boolean {
  return course.remission !== undefined || course.lugano?.first === 'CR' || course.lugano?.first === 'PR';
}

/** The progression in force on a day (the latest one that has happened), if any. */
function progressionOn(course: DiseaseCourse, day: number): Progression | undefined {
  return course.progressions.filter((p) => p.day <= day).at(-1);
}

/**
 * What a response assessment on `day` finds: findings for the engine to compute the response from,
 * or, for an ALL patient with a partial marrow response on a protocol that counts PR, the
 * investigator's PR given directly (a signed adjudication).
 */
export function assessmentOn(rng: Random, course: DiseaseCourse, day: number): { findings: ResponseFindings } | { response: 'PR' } {
  const progression = progressionOn(course, day);
  if (course.criteria === 'LUGANO_2014') {
    if (progression) return { findings: luganoFindings(rng, 'PD') };
    const { first, crFromDay } = course.lugano!;
    return { findings: luganoFindings(rng, crFromDay !== undefined && day >= crFromDay ? 'CR' : first) };
  }
  const remission = course.remission;
  if (progression?.kind === 'morphologic' || (!remission && progression)) return { findings: allMarrowDiseaseFindings(rng) };
  if (!remission) {
    return course.investigatorPr ? { response: 'PR' } : { findings: allMarrowDiseaseFindings(rng) };
  }
  if (progression?.kind === 'extramedullary') return { findings: allExtramedullaryFindings(rng, remission.mrdPct) };
  const mrdPct = progression?.kind === 'mrd' ? drawMrdPct(rng, false) : remission.mrdPct;
  return { findings: allRemissionFindings(rng, { countsRecovered: day >= remission.countsRecoveredDay, mrdPct }) };
}
