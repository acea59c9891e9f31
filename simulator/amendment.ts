import { DAY_MS, type Protocol } from '#protocols';
import { isOk } from './api';
import type { SimulationContext } from './context';
import type { Random } from './random';

/** What the amendment did, for the report's "Amendment" section. */
export interface AmendmentReport {
  protocol: string;
  toVersion: number;
  studyDay: number;
  /** Per site: the IRB approval date recorded, or null when the site had not approved by the end of the run. */
  sites: Array<{ siteId: string; approvedOn: string | null; approvedOnStudyDay: number | null }>;
  migrated: number;
  refused: Record<string, number>;
  awaitingApproval: number;
  reconsent: { signed: number; declined: number; due: number };
  timers: { added: number; moved: number; cancelled: number };
  rollovers: number;
}

/** The long-term follow-up protocol completed patients roll over into. */
const LONG_TERM_FOLLOW_UP = 'car-t-ltfu';
/** Days after the amendment day the last site's IRB approves it, when it does in the run. */
const LATE_APPROVAL_DAYS = [14, 45];
/** Share of migrated patients who decline re-consent (they continue on follow-up only). */
const DECLINE_SHARE = 0.15;

/**
 * The amendment of a trial with one that migrates patients on study (cd19-rr-all v3), run at a
 * study day: the admin records each site's IRB approval (all sites at once but the last, which
 * approves weeks later or never, drawn from the seed), the investigator reads the dry run and
 * migrates the site under a signature, and the coordinator records each patient's re-consent (a
 * few decline). While it runs the patients' own steps wait (`gate`), so a step the re-consent
 * blocks is never posted before the re-consent.
 */
export class AmendmentRun {
  readonly report: AmendmentReport;
  private gate: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: SimulationContext,
    private readonly admin: string,
    private readonly amendment: Protocol,
    private readonly rng: Random,
    studyDay: number,
  ) {
    this.report = {
      protocol: amendment.id,
      toVersion: amendment.version,
      studyDay,
      sites: ctx.staff.sites.map((s) => ({ siteId: s.siteId, approvedOn: null, approvedOnStudyDay: null })),
      migrated: 0,
      refused: {},
      awaitingApproval: 0,
      reconsent: { signed: 0, declined: 0, due: 0 },
      timers: { added: 0, moved: 0, cancelled: 0 },
      rollovers: 0,
    };
  }

  /** Resolves once no amendment step is under way: the patients' own steps await it. */
  settled(): Promise<void> {
    return this.gate;
  }

  /** Runs the amendment on its day and the late site's approval; ends when `done` resolves (the patients finished). */
  async run(done: Promise<unknown>): Promise<void> {
    const { clock, studyStart } = this.ctx;
    const sites = this.ctx.staff.sites;
    const late = sites[sites.length - 1];
    // Deterministic from the seed: the last site approves some weeks later, or (one run in three) never.
    const lateDays = this.rng.chance(1 / 3) ? null : this.rng.int(LATE_APPROVAL_DAYS[0], LATE_APPROVAL_DAYS[1]);
    const amendAt = studyStart + this.report.studyDay * DAY_MS;
    const finished = await Promise.race([clock.until(amendAt).then(() => false), done.then(() => true)]);
    if (finished) return;
    await this.exclusively(async () => {
      for (const site of sites) if (site !== late || sites.length === 1) await this.approveAndMigrate(site.siteId);
    });
    if (lateDays === null || sites.length === 1) return;
    const lateAt = amendAt + lateDays * DAY_MS;
    if (await Promise.race([clock.until(lateAt).then(() => false), done.then(() => true)])) return;
    await this.exclusively(() => this.approveAndMigrate(late.siteId));
  }

  /**
   * At the end of the run: the patients who completed the trial roll over into long-term follow-up
   * (where the amendment's yearly malignancy screening goes on to year 15), and the report counts the
   * patients still waiting for their site's approval.
   */
  async finish(): Promise<AmendmentReport> {
    await this.rollOver();
    const preview = await this.ctx.api.get(this.path('/preview'), this.admin);
    if (isOk(preview)) this.report.awaitingApproval = preview.body.counts.awaitingApproval;
    return this.report;
  }

  /** Each site's coordinator rolls its completed patients over, with the follow-up consent signed that day. */
  private async rollOver(): Promise<void> {
    const { api, clock } = this.ctx;
    const trial = encodeURIComponent(this.amendment.id);
    for (const site of this.ctx.staff.sites) {
      const listed = await api.get(`/patients?protocolId=${trial}&state=completed&limit=500`, site.coordinator);
      if (!isOk(listed)) continue;
      for (const patient of listed.body.items as Array<{ id: string }>) {
        const body = { protocolId: LONG_TERM_FOLLOW_UP, consentVersion: 'LTFU-1.0', consentSignedAt: new Date(clock.now()).toISOString() };
        const answer = await api.post(`/patients/${patient.id}/rollover`, site.coordinator, body);
        if (isOk(answer) && !answer.body.replayed) this.report.rollovers += 1;
      }
    }
    if (this.report.rollovers) this.ctx.milestone({ at: clock.now(), text: `${this.report.rollovers} completed patients rolled over into ${LONG_TERM_FOLLOW_UP}` });
  }

  private path(tail: string): string {
    return `/trials/${encodeURIComponent(this.amendment.id)}/amendments/${this.amendment.version}${tail}`;
  }

  private async exclusively(step: () => Promise<void>): Promise<void> {
    const running = step();
    this.gate = running.catch(() => undefined);
    await running;
  }

  private async approveAndMigrate(siteId: string): Promise<void> {
    const { api, clock, studyStart, staff } = this.ctx;
    const site = staff.sites.find((s) => s.siteId === siteId)!;
    const approvedOn = new Date(clock.now()).toISOString().slice(0, 10);
    const approval = await api.request('PUT', this.path(`/sites/${siteId}`), this.admin, { approvedOn, reference: `IRB-${siteId}-${this.amendment.version}` });
    if (!isOk(approval)) return;
    const row = this.report.sites.find((s) => s.siteId === siteId)!;
    row.approvedOn = approvedOn;
    row.approvedOnStudyDay = Math.floor((clock.now() - studyStart) / DAY_MS);
    this.ctx.milestone({ at: clock.now(), text: `amendment v${this.amendment.version}: IRB approval at ${siteId}` });

    // The investigator reads the dry run before signing: the timers it moves are the report's.
    const preview = await api.get(`${this.path('/preview')}?siteId=${encodeURIComponent(siteId)}`, site.investigator);
    if (!isOk(preview)) return;
    const migratable = new Map<string, { added: unknown[]; moved: unknown[]; cancelled: unknown[] }>();
    for (const p of preview.body.patients) if (p.status === 'migratable') migratable.set(p.patientId, p.timers);

    const signature = { password: staff.signingPassword, meaning: `I move the patients of ${siteId} to protocol version ${this.amendment.version}` };
    const answer = await api.post(this.path('/migrations'), site.investigator, { siteId, signature });
    if (!isOk(answer)) return;
    let moved = 0;
    for (const p of answer.body.patients) {
      if (p.outcome === 'refused') {
        for (const reason of p.reasons ?? ['no reason given']) this.report.refused[reason] = (this.report.refused[reason] ?? 0) + 1;
        continue;
      }
      if (p.outcome !== 'migrated') continue;
      moved += 1;
      this.report.migrated += 1;
      const timers = migratable.get(p.patientId);
      if (timers) {
        this.report.timers.added += timers.added.length;
        this.report.timers.moved += timers.moved.length;
        this.report.timers.cancelled += timers.cancelled.length;
      }
      await this.reconsent(p.patientId, site.coordinator);
    }
    this.ctx.milestone({ at: clock.now(), text: `amendment v${this.amendment.version}: ${moved} patients of ${siteId} migrated` });
  }

  /** The coordinator's re-consent at the patient's next contact: most sign the new consent, a few decline. */
  private async reconsent(patientId: string, coordinator: string): Promise<void> {
    const consentVersion = this.amendment.spec.amendment?.migration?.reconsent?.consentVersion ?? '3.0';
    const decline = this.rng.chance(DECLINE_SHARE);
    const body = decline
      ? { type: 'RECONSENT_DECLINED', data: { consentVersion, reason: 'does not want the added malignancy screening' } }
      : { type: 'CONSENT_SIGNED', data: { consentVersion } };
    const answer = await this.ctx.api.post(`/patients/${patientId}/events`, coordinator, body);
    if (!isOk(answer)) {
      this.report.reconsent.due += 1;
      return;
    }
    if (decline) this.report.reconsent.declined += 1;
    else this.report.reconsent.signed += 1;
  }
}

/** The newest version of a trial whose amendment migrates patients on study, if it has one. */
export function migratingAmendment(protocol: Protocol): Protocol | undefined {
  return protocol.spec.amendment?.migration ? protocol : undefined;
}
