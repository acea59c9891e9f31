import { DAY_MS, type LifecycleSpec, type RelapseKind, type VisitSpec } from '#protocols';
import { Agenda } from './agenda';
import type { ApiAnswer } from './api';
import { iso } from './clock';
import { assessmentOn, type DiseaseCourse, drawCourse, type Progression, responded } from './clinical/course';
import { CAR_COPIES_UNIT, type CarKinetics, carCopiesIn, carTPercentAt, CYTOKINES, cytokineAt, drawKinetics } from './clinical/kinetics';
import { CRS_TERM, drawAdverseEvents, type PlannedAdverseEvent } from './clinical/toxicity';
import type { PostOptions, SimulatedPatient } from './patient';
import { StopPatient } from './stop-patient';
import { atLevel } from './trials';

/** The investigator's review of an AE the protocol's rule calls a DLT: how long after the report, and whether it is confirmed. */
interface DltReview {
  afterDays: number;
  confirmed: boolean;
}

/** Extra blood draws for CAR-T expansion in the first month, on days without a visit. */
const KINETICS_DRAW_DAYS = [4, 10, 21];

/**
 * The engine's own timers may end a state just before a step reaches it (follow-up ends, the DLT
 * window closes): a 409 then is a race the site loses, not an error, when the reloaded patient shows it.
 */
/**
 * An engine timer got there first (the window closed, follow-up ended): the state no longer takes
 * the event (409), or, off study, an entry dated after the patient left is refused (422; late
 * entries about the time on study are still taken, ADR 0005). `unlessRaced` checks it was a race.
 */
const TIMER_RACE = [
  { status: 409, error: 'event_not_accepted' },
  { status: 422, error: 'refused', reason: /after the patient left the study/ },
];

/**
 * A malignancy-screening visit (cd19-rr-all v3: MAL-Y1, MAL-Y2) of a patient who declined the
 * re-consent, or who stays on the version before the amendment, is not theirs: the engine says so.
 */
const NOT_REQUIRED = [{ status: 422, error: 'refused', reason: /MAL-Y\d is not (required|in)/ }];

/** A visit's data: the malignancy-screening visits record whether a new malignancy was found (none in the simulation). */
function visitData(visit: VisitSpec): Record<string, unknown> {
  return /^MAL-/.test(visit.name) ? { visit: visit.name, findings: { newMalignancy: false } } : { visit: visit.name };
}

/** Nothing is planned this close to the end of follow-up: at least a study day, or half a real second at high speed. */
const END_MARGIN_REAL_MS = 500;

/**
 * A patient's course after the infusion, planned at Day 0 and played out in simulated time: visits
 * in their windows (some late, a few missed), lab results from the kinetic curve, adverse events
 * reported a little after onset (and again when they resolve), the investigator's DLT calls,
 * response assessments at the protocol's response visits, relapses, and leaving the study.
 */
export class FollowUp {
  private readonly agenda = new Agenda();
  private readonly course: DiseaseCourse;
  private readonly adverseEvents: PlannedAdverseEvent[];
  private readonly kinetics: CarKinetics;
  private readonly cytokines: Array<{ code: string; baseline: number; peak: number; peakDay: number }>;
  /** Progression kinds already recorded with PROGRESSION_OR_RELAPSE. */
  private readonly recorded = new Set<RelapseKind>();
  private readonly adjudicated = new Set<string>();
  private readonly dltClosesAt: number;

  constructor(
    private readonly patient: SimulatedPatient,
    private readonly t0: number,
    levelIndex: number,
    /** The protocol as it runs the patient's cohort. */
    private readonly plan: LifecycleSpec,
  ) {
    const { rng, ctx } = patient;
    const intensity = atLevel(ctx.trial.profile.toxicityByLevel, levelIndex);
    this.adverseEvents = drawAdverseEvents(rng, intensity).filter((ae) => ae.onsetDay < plan.followUpDays - 30);
    const severe = this.adverseEvents.some((ae) => ae.term !== CRS_TERM && ae.grade >= 3 && ae.related) || this.crsGrade() >= 3;
    this.course = drawCourse(rng, {
      criteria: plan.responseCriteria,
      responseChance: atLevel(ctx.trial.profile.responseByLevel, levelIndex),
      investigatorPrShare: ctx.trial.profile.investigatorPrShare ?? 0,
      transplantShare: ctx.trial.profile.transplantShare,
      followUpDays: plan.followUpDays,
      severeToxicity: severe,
    });
    this.kinetics = drawKinetics(rng, { responder: responded(this.course), intensity });
    const crs = this.adverseEvents.find((ae) => ae.term === CRS_TERM);
    this.cytokines = CYTOKINES.map((c) => ({
      code: c.code,
      baseline: rng.between(c.baseline[0], c.baseline[1]),
      peak: c.peakByCrsGrade[this.crsGrade()] * rng.logNormal(1, 0.4),
      peakDay: (crs?.onsetDay ?? rng.between(2, 6)) + 0.5,
    }));
    this.dltClosesAt = t0 + plan.dlt.windowDays * DAY_MS;
  }

  async run(): Promise<void> {
    this.planVisits();
    this.planAdverseEvents();
    this.planCourse();
    const { clock } = this.patient.ctx;
    const end = this.t0 + this.plan.followUpDays * DAY_MS - Math.max(DAY_MS, END_MARGIN_REAL_MS * clock.scale);
    for (let step = this.agenda.next(); step; step = this.agenda.next()) {
      if (step.at > end) continue;
      await clock.until(step.at);
      if (this.patient.view!.status === 'offStudy') return;
      await step.run();
    }
  }

  private crsGrade(): number {
    return this.adverseEvents.find((ae) => ae.term === CRS_TERM)?.grade ?? 0;
  }

  private day(at: number): number {
    return (at - this.t0) / DAY_MS;
  }

  /** Posts an event; undefined when an engine timer got there first (the patient left the state). */
  private async post(type: string, data: Record<string, unknown>, options: PostOptions = {}): Promise<ApiAnswer | undefined> {
    return this.unlessRaced(type, await this.patient.post(type, data, { ...options, expect: [...TIMER_RACE, ...(options.expect ?? [])] }));
  }

  private async report(route: 'observations' | 'adverse-events', data: Record<string, unknown>, options: PostOptions = {}): Promise<ApiAnswer | undefined> {
    const type = route === 'observations' ? 'LAB_RESULT_RECORDED' : 'ADVERSE_EVENT_REPORTED';
    return this.unlessRaced(type, await this.patient.report(route, data, { ...options, expect: TIMER_RACE }));
  }

  private async unlessRaced(type: string, answer: ApiAnswer): Promise<ApiAnswer | undefined> {
    if (!answer.refusal) return answer;
    // A screening visit the patient does not owe (declined re-consent) is skipped, as the site would.
    if (NOT_REQUIRED.some((r) => r.reason.test(answer.body?.message ?? ''))) return undefined;
    const now = await this.patient.reload();
    const raced = now.status === 'offStudy' || (type === 'DLT_ADJUDICATED' && now.state !== 'dltWindow');
    if (raced) return undefined;
    this.patient.ctx.api.stats.reclassify(answer, { method: 'POST', path: `/patients/${now.id}`, event: type, message: answer.body?.message ?? '' });
    throw new StopPatient();
  }

  // ---- Visits, samples, response assessments --------------------------------------------------

  private planVisits(): void {
    const { rng } = this.patient;
    for (const visit of this.plan.schedule) {
      const primary = visit.name === this.plan.primaryResponseVisit;
      // A missed visit: its window closes unmet and the engine's scheduler records VISIT_MISSED.
      if (rng.chance(primary ? 0.02 : 0.06)) continue;
      const at = this.t0 + (visit.day + rng.between(-0.6 * visit.windowBeforeDays, 0.85 * visit.windowAfterDays)) * DAY_MS;
      this.agenda.add(at, `visit ${visit.name}`, () => this.visit(visit, at));
    }
    for (const day of KINETICS_DRAW_DAYS) {
      if (day >= this.plan.followUpDays || this.plan.schedule.some((v) => Math.abs(v.day - day) <= 1)) continue;
      const at = this.t0 + (day + rng.between(-0.3, 0.3)) * DAY_MS;
      this.agenda.add(at, `CAR-T draw day ${day}`, async () => this.sample(at, [['CAR_COPIES', 'PB']]));
    }
  }

  private async visit(visit: VisitSpec, at: number): Promise<void> {
    const { rng } = this.patient;
    if (!(await this.post('VISIT_COMPLETED', visitData(visit), { expect: NOT_REQUIRED }))) return;
    const has = (pattern: RegExp) => visit.assessments.some((a) => pattern.test(a));
    const samples: Array<[string, 'PB' | 'BM' | 'LN']> = [];
    if (has(/CAR copies/) || visit.day <= 90) samples.push(['CAR_COPIES', 'PB']);
    if (has(/CAR copies.*\(BM\)/)) samples.push(['CAR_COPIES', 'BM']);
    if (has(/CAR copies.*lymph node/)) samples.push(['CAR_COPIES', 'LN']);
    if (has(/CAR-T cells by flow/)) samples.push(['CAR_T_PERCENT', 'PB']);
    if (has(/cytokines/)) for (const c of this.cytokines) samples.push([c.code, 'PB']);
    this.sample(at, samples);

    const responseVisit = visit.name === this.plan.primaryResponseVisit || has(/marrow|PET-CT/);
    if (!responseVisit) return;
    const assessment = assessmentOn(rng, this.course, this.day(at));
    if ('findings' in assessment && typeof assessment.findings.mrdPct === 'number') {
      this.later(at, `MRD ${visit.name}`, { code: 'MRD', compartment: 'BM', value: assessment.findings.mrdPct, unit: '%' });
    }
    const reportAt = at + rng.between(0.5, 2) * DAY_MS;
    this.agenda.add(reportAt, `response ${visit.name}`, () => this.assess(visit, at, assessment));
  }

  /** Samples taken at `at` (kinetics, cytokines), each resulted by the lab some hours later. */
  private sample(at: number, samples: Array<[string, 'PB' | 'BM' | 'LN']>): void {
    const collectedAt = at + 0.02 * DAY_MS;
    const day = this.day(collectedAt);
    for (const [code, compartment] of samples) {
      const cytokine = this.cytokines.find((c) => c.code === code);
      const result =
        code === 'CAR_COPIES'
          ? { value: carCopiesIn(this.kinetics, compartment, day), unit: CAR_COPIES_UNIT }
          : code === 'CAR_T_PERCENT'
            ? { value: carTPercentAt(this.kinetics, day), unit: '%' }
            : { value: cytokineAt(cytokine!.baseline, cytokine!.peak, cytokine!.peakDay, day), unit: 'pg/mL' };
      this.later(collectedAt, `${code} ${compartment}`, { code, compartment, ...result });
    }
  }

  /** Posts a lab result some hours after collection, dated at the collection. */
  private later(collectedAt: number, what: string, result: { code: string; compartment: string; value: number; unit: string }): void {
    const postAt = collectedAt + this.patient.rng.between(0.2, 1.2) * DAY_MS;
    this.agenda.add(postAt, what, async () => {
      await this.report('observations', { ...result, collectedAt: iso(collectedAt) }, { occurredAt: collectedAt });
    });
  }

  private async assess(visit: VisitSpec, at: number, assessment: ReturnType<typeof assessmentOn>): Promise<void> {
    const direct = 'response' in assessment;
    const data = direct ? { visit: visit.name, response: assessment.response } : { visit: visit.name, ...assessment.findings };
    const answer = await this.post('RESPONSE_ASSESSED', data, { as: direct ? 'investigator' : 'coordinator', occurredAt: at });
    if (!answer) return;
    const result = answer.body.result as { response: string; relapse?: { kind: RelapseKind } };
    // The engine names a relapse after a remission; a PET-CT progression is the site's call.
    const found: RelapseKind | undefined = result.relapse?.kind ?? (result.response === 'PD' && this.course.criteria === 'LUGANO_2014' ? 'progression' : undefined);
    if (found) await this.recordProgression(this.course.progressions.find((p) => p.kind === found) ?? { day: this.day(at), kind: found, clinical: false });
  }

  // ---- Adverse events and the investigator's DLT calls ----------------------------------------

  private planAdverseEvents(): void {
    const { rng } = this.patient;
    for (const ae of this.adverseEvents) {
      const onsetAt = this.t0 + ae.onsetDay * DAY_MS;
      // The investigator's review should a report of this AE be a DLT: drawn now, whatever the engine
      // answers and whenever the report runs, so that it does not shift the patient's other draws.
      const review: DltReview = { afterDays: rng.between(0.5, 2), confirmed: rng.chance(0.85) };
      const reportAt = onsetAt + ae.reportAfterDays * DAY_MS;
      this.agenda.add(reportAt, `AE ${ae.term}`, () => this.reportAdverseEvent(ae, onsetAt, reportAt, review));
      if (ae.resolvedAfterDays !== undefined) {
        const resolvedAt = onsetAt + ae.resolvedAfterDays * DAY_MS;
        const resolutionAt = Math.max(resolvedAt, reportAt) + rng.between(0.2, 1) * DAY_MS;
        this.agenda.add(resolutionAt, `AE ${ae.term} resolved`, () => this.reportAdverseEvent(ae, onsetAt, resolutionAt, review, resolvedAt));
      }
      if (ae.term === CRS_TERM)
        this.sample(
          onsetAt + 0.5 * DAY_MS,
          this.cytokines.map((c) => [c.code, 'PB'] as [string, 'PB']),
        );
    }
  }

  /** Reports an AE (planned at `reportAt`); a DLT the protocol's rule calls goes to the investigator's review. */
  private async reportAdverseEvent(ae: PlannedAdverseEvent, onsetAt: number, reportAt: number, review: DltReview, resolvedAt?: number): Promise<void> {
    const answer = await this.report('adverse-events', {
      term: ae.term,
      onset: iso(onsetAt),
      related: ae.related,
      serious: ae.serious,
      ...ae.grading,
      ...(resolvedAt === undefined ? {} : { resolvedAt: iso(resolvedAt) }),
    });
    if (!answer) return;
    const result = answer.body.result as { grade: number; dlt: boolean; provisional: boolean };
    const key = `${ae.term}|${onsetAt}`;
    if (!result.dlt || result.provisional || this.adjudicated.has(key)) return;
    // The investigator reviews every DLT the protocol's rule calls, while the DLT window is open.
    const at = reportAt + review.afterDays * DAY_MS;
    if (at > this.dltClosesAt - 0.5 * DAY_MS) return;
    this.adjudicated.add(key);
    this.agenda.add(at, `DLT call ${ae.term}`, () => this.adjudicate(ae, onsetAt, result.grade, review.confirmed));
  }

  private async adjudicate(ae: PlannedAdverseEvent, onsetAt: number, grade: number, confirm: boolean): Promise<void> {
    const rationale = confirm
      ? `grade ${grade} ${ae.term.toLowerCase()} attributable to the CAR-T cells on review`
      : `on review attributable to disease progression and concurrent infection, not to the CAR-T cells`;
    // The DLT window may close (the engine's timer) just before the call reaches it.
    await this.post('DLT_ADJUDICATED', { term: ae.term, onset: iso(onsetAt), dlt: confirm, rationale }, { as: 'investigator' });
  }

  // ---- Disease course: relapse, progression, leaving the study --------------------------------

  private planCourse(): void {
    const { rng } = this.patient;
    for (const progression of this.course.progressions.filter((p) => p.clinical)) {
      const at = this.t0 + (progression.day + rng.between(0, 3)) * DAY_MS;
      this.agenda.add(at, `${progression.kind} relapse`, () => this.recordProgression(progression));
    }
    const off = this.course.offStudy;
    if (off) {
      this.agenda.add(this.t0 + off.day * DAY_MS, off.event, async () => {
        const data = off.event === 'DEATH' ? { cause: off.detail } : off.event === 'WITHDRAWN' ? { reason: off.detail } : {};
        if (!(await this.post(off.event, data))) return;
        this.patient.milestone(off.event === 'DEATH' ? `died (${off.detail})` : off.event === 'WITHDRAWN' ? `withdrawn (${off.detail})` : 'lost to follow-up');
      });
    }
  }

  private async recordProgression(progression: Progression): Promise<void> {
    if (this.recorded.has(progression.kind)) return;
    this.recorded.add(progression.kind);
    const antigen = progression.antigenNegative !== undefined && progression.kind !== 'mrd' ? { antigenNegative: progression.antigenNegative } : {};
    if (!(await this.post('PROGRESSION_OR_RELAPSE', { kind: progression.kind, ...antigen }))) return;
    const words =
      progression.kind === 'progression'
        ? 'progression'
        : `${progression.kind} relapse${progression.antigenNegative ? `, ${this.patient.ctx.trial.profile.targetAntigen}-negative` : ''}`;
    this.patient.milestone(words);
  }
}
