import { DAY_MS, type DoseLevel } from '#protocols';
import { collection, RELEASE_RESULTS_IN_SPEC, signOff, thaw, toManufacturing, toSiteStorage, withBedsideCheck } from '#testing';
import { type ApiAnswer, type ExpectedRefusal, isOk } from './api';
import { iso } from './clock';
import { cellDoseWithin } from './clinical/dose';
import { drawCandidate, type ScreeningCandidate, screeningParts } from './clinical/screening';
import type { SimulationContext } from './context';
import { FollowUp } from './follow-up';
import type { Random } from './random';
import type { SiteStaff } from './staff';
import { StopPatient } from './stop-patient';

/** The patient as the API answers it (the fields the simulator reads). */
export interface PatientView {
  id: string;
  state: string;
  status: 'active' | 'offStudy';
  day0: string | null;
  /** Allocated at enrollment; read off the bags. */
  chainOfIdentity?: string | null;
}

/** How one simulated patient ended, for the report. */
export interface PatientSummary {
  subjectId: string;
  siteId: string;
  cohort: string | null;
  patientId?: string;
  finalState: string;
  /** Set when the patient failed screening: the finding the generator made, and the reasons the engine gave. */
  screenFailure?: { finding?: string; reasons: string[] };
  doseLevel?: number;
  infusedAt?: string;
  /** An unexpected answer stopped this patient's simulation. */
  stoppedByError: boolean;
}

export type Role = 'coordinator' | 'investigator' | 'lab';

export interface PostOptions {
  as?: Role;
  /** When it happened (simulated ms); omitted: the engine's now. */
  occurredAt?: number;
  expect?: ExpectedRefusal[];
}

/** Real time the engine has to end a follow-up (FOLLOW_UP_ENDED) after it fell due; its reconciler runs every second. */
const FOLLOW_UP_END_GRACE_MS = 20_000;

/** Days an eligible patient waits for a dose-escalation slot before the site gives up. */
const MAX_SLOT_WAIT_DAYS = 120;

const MANUFACTURING_FAILURES = ['insufficient T-cell expansion', 'CAR transduction efficiency below the release specification', 'failed sterility testing of the final product'];

/**
 * How often the manufacturing path goes wrong, and what sites do about it (docs/clinical.md, section
 * "Chain of custody", with the sources):
 * - a manufacture fails for 3.9% of patients (3.87% of 981 patients with large B-cell lymphoma in a
 *   real-world series); half of them are made again from retained cells, the rest end the study;
 * - release testing misses a waivable criterion for 6% of products (assumed: the commercial
 *   tisagenlecleucel out-of-specification rate is reported in the high single digits); the
 *   investigator releases two thirds of them under the protocol's rule, the others are made again;
 * - half of the patients get bridging therapy while the product is made (53% in the US Lymphoma CAR T
 *   Consortium's standard-of-care axicabtagene ciloleucel series, Nastoupil et al., J Clin Oncol 2020).
 */
export const MANUFACTURING_RATES = { failure: 0.0387, remanufactureAfterFailure: 0.5, outOfSpecification: 0.06, oosReleased: 2 / 3, bridging: 0.53 } as const;

const BRIDGING_REGIMENS = ['dexamethasone', 'R-GemOx', 'involved-site radiotherapy', 'polatuzumab vedotin and rituximab'];

const SIGNATURE_MEANINGS: Record<string, string> = {
  ELIGIBILITY_CONFIRMED: 'I confirm that the patient meets every eligibility criterion',
  DLT_ADJUDICATED: 'I adjudicate whether this adverse event is dose-limiting',
  RESPONSE_ASSESSED: 'I assess the response on the findings of this visit',
  PRODUCT_RELEASED: 'I justify infusing this out-of-specification product under the protocol rule',
  ELIGIBILITY_RECONFIRMED: 'I confirm the patient still meets the criteria for lymphodepletion after bridging therapy',
};

/**
 * One synthetic patient, driven through the trial by its site's staff over the HTTP API: screening,
 * eligibility, enrollment (waiting for a slot where the dose escalation asks), manufacturing,
 * lymphodepletion and infusion, then the follow-up (follow-up.ts) until the engine ends it.
 */
export class SimulatedPatient {
  private current: PatientView | undefined;
  readonly summary: PatientSummary;

  constructor(
    readonly ctx: SimulationContext,
    readonly site: SiteStaff,
    readonly subjectId: string,
    readonly cohort: string | null,
    private readonly arrivalAt: number,
    /** Who the patient is and how they fare: screening, manufacturing, dose, toxicity, disease course, and the site's steps after Day 0 (planned then). */
    readonly rng: Random,
    /**
     * When the site takes its steps before Day 0. How many waits there are depends on the trial's
     * timing (a patient may ask for an enrollment slot several times), so they draw from a stream
     * of their own and leave the patient's clinical draws alone: the same seed gives the same patients.
     */
    private readonly timing: Random,
  ) {
    this.summary = { subjectId, siteId: site.siteId, cohort, finalState: 'not registered', stoppedByError: false };
  }

  get view(): PatientView | undefined {
    return this.current;
  }

  async run(): Promise<PatientSummary> {
    try {
      await this.ctx.clock.until(this.arrivalAt);
      const dose = await this.screenAndEnroll();
      if (dose) {
        const t0 = await this.prepareAndInfuse(dose);
        if (t0 !== undefined) await this.followUp(t0, dose);
      }
    } catch (error) {
      if (!(error instanceof StopPatient)) {
        this.ctx.api.stats.errors.push({ method: '-', path: this.subjectId, status: null, message: `simulator: ${(error as Error).stack ?? error}` });
      }
      this.summary.stoppedByError = true;
      if (this.current) await this.reload().catch(() => undefined);
    }
    this.summary.finalState = this.current?.state ?? 'not registered';
    return this.summary;
  }

  // ---- Screening and enrollment ---------------------------------------------------------------

  private async screenAndEnroll(): Promise<DoseLevel | undefined> {
    const { protocol, profile } = this.ctx.trial;
    const candidate = drawCandidate(profile.screening, this.rng, this.cohort, this.ctx.clock.now());
    const registered = await this.ctx.api.post('/patients', this.site.coordinator, {
      protocolId: protocol.id,
      ...(this.cohort ? { cohort: this.cohort } : {}),
      subjectId: this.subjectId,
      siteId: this.site.siteId,
      ...candidate.demographics,
    });
    if (registered.status !== 201) throw new StopPatient();
    this.current = registered.body as PatientView;
    this.summary.patientId = this.current.id;

    await this.days(0.05, 0.4);
    await this.post('CONSENT_SIGNED', { consentVersion: 'v1.0' });
    for (const part of screeningParts(candidate.screening)) {
      await this.days(0.5, 3);
      await this.post('SCREENING_DATA_RECORDED', part as Record<string, unknown>);
    }
    await this.days(1, 3);
    if (!(await this.confirmEligibility(candidate))) return undefined;
    return this.enroll();
  }

  /** The investigator's signed sign-off; a 422 (expected only for a candidate made ineligible) ends in a screen failure. */
  private async confirmEligibility(candidate: ScreeningCandidate): Promise<boolean> {
    const expect = candidate.ineligibility ? [{ status: 422, error: 'refused' }] : [];
    const answer = await this.post('ELIGIBILITY_CONFIRMED', { attestations: candidate.attestations }, { as: 'investigator', expect });
    if (!answer.refusal) return true;
    const reasons: string[] = answer.body.reasons ?? [];
    await this.days(0.1, 1);
    await this.screenFail(`not eligible: ${reasons.join('; ')}`, { finding: candidate.ineligibility, reasons });
    return false;
  }

  /**
   * ENROLLED; while the dose-escalation cohort awaits its DLT evaluation the engine refuses it (422)
   * and says when the slot opens: wait until then and ask again, for up to MAX_SLOT_WAIT_DAYS. While
   * enrollment is held after a revised escalation decision (a DLT reported late), the site's
   * investigator reviews the revision and releases the hold, signing, then the site asks again.
   */
  private async enroll(): Promise<DoseLevel | undefined> {
    const eligibleAt = this.ctx.clock.now();
    let waiting = false;
    for (;;) {
      await this.days(0.3, 2);
      const answer = await this.post(
        'ENROLLED',
        {},
        {
          expect: [{ status: 422, error: 'refused', reason: /awaiting DLT evaluation|enrollment is (complete|closed)|is held since/ }],
        },
      );
      if (!answer.refusal) {
        const dose = answer.body.result.doseLevel as DoseLevel;
        this.summary.doseLevel = dose.level;
        return dose;
      }
      const reasons: string[] = answer.body.reasons ?? [];
      const hold = reasons.map((r) => /release hold (\d+)$/.exec(r)?.[1]).find((id) => id !== undefined);
      if (hold) {
        await this.releaseHold(Number(hold));
        continue;
      }
      const slotFull = reasons.some((r) => /awaiting DLT evaluation/.test(r));
      if (!slotFull || this.ctx.clock.now() - eligibleAt > MAX_SLOT_WAIT_DAYS * DAY_MS) {
        const reason = slotFull
          ? `no enrollment slot opened within ${MAX_SLOT_WAIT_DAYS} days: the dose-escalation cohort was awaiting its DLT evaluation`
          : `enrollment closed: ${reasons[0]}`;
        await this.screenFail(reason, { reasons: [reason] });
        return undefined;
      }
      if (!waiting) this.milestone(`waits for a dose-escalation slot (${reasons[0].replace(/^the /, '')})`);
      waiting = true;
      const trial = await this.get(`/trials/${this.ctx.trial.protocol.id}`);
      const closes = (trial.pending as Array<{ level: number; closesAt: string | null }>).filter((p) => p.level === trial.currentDoseLevel).map((p) => p.closesAt);
      const retryAt =
        closes.length && closes.every((c) => c !== null)
          ? Math.max(...closes.map((c) => Date.parse(c!))) + this.timing.between(0.2, 1.5) * DAY_MS
          : this.ctx.clock.now() + this.timing.between(4, 8) * DAY_MS;
      await this.ctx.clock.until(retryAt);
    }
  }

  /** The investigator's review of a revised escalation decision: a day or two, then the signed release (another patient's site may have released it first). */
  private async releaseHold(hold: number): Promise<void> {
    this.milestone(`waits while the investigator reviews a revised escalation decision (hold ${hold})`);
    await this.days(1, 3);
    const body = { signature: { password: this.ctx.staff.signingPassword, meaning: 'I reviewed the revised escalation decision: enrollment may resume' } };
    await this.ctx.api.post(`/trials/${this.ctx.trial.protocol.id}/holds/${hold}/release`, this.site.investigator, body, [
      { status: 422, error: 'refused', reason: /already released/ },
    ]);
  }

  private async screenFail(reason: string, failure: PatientSummary['screenFailure']): Promise<void> {
    await this.post('SCREEN_FAILED', { reason: reason.length > 500 ? `${reason.slice(0, 497)}...` : reason });
    this.summary.screenFailure = failure;
    this.milestone(`screen failure: ${reason}`);
  }

  // ---- Manufacturing, lymphodepletion, infusion -----------------------------------------------

  /** From leukapheresis to Day 0; the infusion instant, or undefined when the patient left before it. */
  private async prepareAndInfuse(dose: DoseLevel): Promise<number | undefined> {
    await this.days(2, 7);
    const coi = this.current!.chainOfIdentity!;
    // The chain of custody: the collection, the courier, the manufacturing site's receipt the next day, the start.
    const [collect, ...toSite] = toManufacturing(coi, `B-${this.subjectId}-1`);
    await this.post(collect[0], { ...collection(`APH-${this.subjectId}`), ...collect[1] });
    for (const [type, data] of toSite) {
      await this.hours(4, 20);
      await this.post(type, data);
    }
    const rates = MANUFACTURING_RATES;
    const bridging = this.rng.chance(rates.bridging);
    if (bridging) {
      await this.days(1, 3);
      await this.post('BRIDGING_THERAPY_GIVEN', { regimen: this.rng.pick(BRIDGING_REGIMENS), startedOn: iso(this.ctx.clock.now()).slice(0, 10) });
      this.milestone('bridging therapy while the product is made');
    }
    for (let attempt = 1; ; attempt++) {
      await this.days(10, 18);
      if (this.rng.chance(0.02)) {
        await this.post('DEATH', { cause: 'rapidly progressive disease before the infusion' });
        this.milestone('died before the infusion');
        return undefined;
      }
      const failed = this.rng.chance(rates.failure);
      const oos = !failed && this.rng.chance(rates.outOfSpecification);
      if (!failed && (!oos || this.rng.chance(rates.oosReleased))) {
        const results = oos ? { ...RELEASE_RESULTS_IN_SPEC, viabilityPct: 55 + Math.round(this.rng.between(0, 14)) } : RELEASE_RESULTS_IN_SPEC;
        const justification = oos ? { outOfSpecification: { justification: 'viability below specification; no alternative therapy, the benefit outweighs the risk' } } : {};
        await this.post('PRODUCT_RELEASED', { lot: `LOT-${this.subjectId}-${attempt}`, coi, results, ...justification }, { as: oos ? 'investigator' : 'coordinator' });
        if (oos) this.milestone(`product released out of specification (viability ${results.viabilityPct}%) on the investigator's justification`);
        break;
      }
      const reason = failed ? this.rng.pick(MANUFACTURING_FAILURES) : 'viability below the release specification';
      if (attempt < 3 && (oos || this.rng.chance(rates.remanufactureAfterFailure))) {
        await this.post('REMANUFACTURE_ORDERED', { cause: failed ? 'manufacturingFailure' : 'outOfSpecification', source: 'retainedCells', reason }, { as: 'investigator' });
        this.milestone(`product to be made again from retained cells (${reason})`);
        await this.days(1, 2);
        await this.post('MANUFACTURING_STARTED', { coi, batchId: `B-${this.subjectId}-${attempt + 1}`, location: 'Manufacturing site' });
        continue;
      }
      await this.post('MANUFACTURING_FAILED', { reason });
      this.milestone(`manufacturing failed: ${reason}`);
      return undefined;
    }
    // The product back to the site, into the freezer.
    for (const [type, data] of toSiteStorage(coi)) {
      await this.hours(6, 30);
      await this.post(type, data);
    }
    if (bridging) await this.post('ELIGIBILITY_RECONFIRMED', { note: 'eligibility re-checked after bridging therapy' }, { as: 'investigator' });

    const earliest = this.ctx.clock.now() + (this.timing.between(1, 4) + 5) * DAY_MS;
    const infusionAt = this.ctx.calendar.book(earliest, await this.lastInfusion());
    // Fludarabine and cyclophosphamide on days −5 to −3, two days' rest, the cells on day 0.
    await this.ctx.clock.until(infusionAt - 5 * DAY_MS);
    await this.post('LYMPHODEPLETION_STARTED', {});
    await this.ctx.clock.until(infusionAt - 2.6 * DAY_MS);
    await this.post('LYMPHODEPLETION_COMPLETED', {});
    await this.ctx.clock.until(infusionAt - 20 * 60_000);
    const [thawType, thawData] = thaw(coi);
    await this.post(thawType, thawData);
    await this.ctx.clock.until(infusionAt);

    const cellsPerKg = cellDoseWithin(this.rng, dose);
    for (let attempt = 0; ; attempt++) {
      const answer = await this.post('INFUSION_COMPLETED', { cellsPerKg }, { expect: attempt < 5 ? [{ status: 422, error: 'refused', reason: /staggered/ }] : [] });
      if (!answer.refusal) break;
      // Another site's infusion came first: wait out the stagger.
      await this.ctx.clock.until((await this.lastInfusion())! + (this.staggerDays() + 0.3) * DAY_MS);
    }
    const t0 = Date.parse(this.current!.day0!);
    this.summary.infusedAt = this.current!.day0!;
    this.milestone(`infused at dose level ${dose.level} (${(cellsPerKg / 1e6).toFixed(2)} ×10⁶ cells/kg)`);
    return t0;
  }

  private staggerDays(): number {
    return this.ctx.trial.protocol.spec.doseEscalation?.staggerDays ?? 0;
  }

  /** The trial's last infusion as the engine knows it, on a protocol that staggers infusions. */
  private async lastInfusion(): Promise<number | undefined> {
    if (!this.staggerDays()) return undefined;
    const trial = await this.get(`/trials/${this.ctx.trial.protocol.id}`);
    return trial.lastInfusionAt ? Date.parse(trial.lastInfusionAt) : undefined;
  }

  // ---- After the infusion ---------------------------------------------------------------------

  private async followUp(t0: number, dose: DoseLevel): Promise<void> {
    // The schedule, response criteria, DLT window and follow-up of the patient's cohort.
    const plan = this.ctx.trial.protocol.forCohort(this.cohort).spec;
    const levelIndex = plan.doseLevels.findIndex((d) => d.level === dose.level);
    await new FollowUp(this, t0, levelIndex, plan).run();
    if (this.current!.status === 'offStudy') return;
    // The engine ends follow-up itself (FOLLOW_UP_ENDED): wait for its timer.
    await this.ctx.clock.until(t0 + (plan.followUpDays + 0.05) * DAY_MS);
    const deadline = Date.now() + FOLLOW_UP_END_GRACE_MS;
    while (this.current!.status !== 'offStudy') {
      if (Date.now() > deadline) {
        const message = `${this.subjectId} is still in ${this.current!.state} ${FOLLOW_UP_END_GRACE_MS / 1000} s after its follow-up should have ended (day ${plan.followUpDays}): the engine's timers did not fire`;
        this.ctx.api.stats.errors.push({ method: 'GET', path: `/patients/${this.current!.id}`, status: 200, message });
        throw new StopPatient();
      }
      await new Promise((done) => setTimeout(done, 100));
      this.current = await this.get(`/patients/${this.current!.id}`);
    }
    this.milestone(`follow-up ended (${this.current!.state})`);
  }

  // ---- Talking to the API ---------------------------------------------------------------------

  /** Posts an event on the patient; an investigator's sign-off carries the electronic signature. */
  async post(type: string, data: Record<string, unknown>, options: PostOptions = {}): Promise<ApiAnswer> {
    // A migration and its re-consent go first: a step the re-consent blocks waits for them.
    await this.ctx.amendmentSettled?.();
    const role = options.as ?? 'coordinator';
    const signature = signOff(type, data, { password: this.ctx.staff.signingPassword, meaning: SIGNATURE_MEANINGS[type] });
    const plain = { type, data, ...(options.occurredAt === undefined ? {} : { occurredAt: iso(options.occurredAt) }), ...signature };
    // At the bedside the coordinator reads the product bag's chain-of-identity identifier; the investigator witnesses and signs.
    const body = withBedsideCheck(plain, this.current?.chainOfIdentity, this.site.investigatorId, this.ctx.staff.signingPassword);
    return this.settle(await this.ctx.api.post(`/patients/${this.current!.id}/events`, this.site[role], body, options.expect));
  }

  /** A lab result (POST /observations, by the site's lab) or an adverse event (POST /adverse-events). */
  async report(route: 'observations' | 'adverse-events', data: Record<string, unknown>, options: PostOptions = {}): Promise<ApiAnswer> {
    const role = options.as ?? (route === 'observations' ? 'lab' : 'coordinator');
    // With --hl7 the lab system sends blood results as ORU^R01; HL7 carries no compartment here, so marrow and lymph node stay on the API.
    const { lab } = this.ctx;
    if (lab && route === 'observations' && (data.compartment ?? 'PB') === 'PB') {
      const { code, value, unit, collectedAt } = data as { code: string; value: number; unit: string; collectedAt: string };
      const answer = await lab.send({ siteId: this.site.siteId, subjectId: this.subjectId, code, value, unit, collectedAt }, options.expect ?? []);
      if (isOk(answer)) this.current = await this.get(`/patients/${this.current!.id}`);
      return this.settle(isOk(answer) ? { ...answer, body: { patient: this.current } } : answer);
    }
    const body = { ...data, ...(options.occurredAt === undefined ? {} : { occurredAt: iso(options.occurredAt) }) };
    return this.settle(await this.ctx.api.post(`/patients/${this.current!.id}/${route}`, this.site[role], body, options.expect));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer of the API, read field by field by the simulated staff
  async get(path: string): Promise<any> {
    const answer = await this.ctx.api.get(path, this.site.coordinator);
    if (!isOk(answer)) throw new StopPatient();
    return answer.body;
  }

  /** Reloads the patient (after a refusal that may have raced a timer). */
  async reload(): Promise<PatientView> {
    this.current = await this.get(`/patients/${this.current!.id}`);
    return this.current!;
  }

  private settle(answer: ApiAnswer): ApiAnswer {
    if (isOk(answer)) {
      this.current = answer.body.patient as PatientView;
      return answer;
    }
    if (answer.refusal) return answer;
    throw new StopPatient();
  }

  /** Waits a random number of simulated days between `min` and `max`. */
  private days(min: number, max: number): Promise<void> {
    return this.ctx.clock.days(this.timing.between(min, max));
  }

  /** Waits a random number of simulated hours between `min` and `max`. */
  private hours(min: number, max: number): Promise<void> {
    return this.ctx.clock.days(this.timing.between(min, max) / 24);
  }

  milestone(text: string): void {
    this.ctx.milestone({ at: this.ctx.clock.now(), subjectId: this.subjectId, text });
  }
}
