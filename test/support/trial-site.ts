import { eligibleCd19Screening, SIGNING_PASSWORD, signOff, thaw, toRelease, toSiteStorage, withBedsideCheck } from '#testing';
import type { TestApp } from './test-app';

/** The screening record and attestations of a fully eligible patient of a protocol (and cohort). */
export type EligibleScreening = () => { screening: object; attestations: string[] };

type Role = 'coordinator' | 'investigator' | 'lab' | 'monitor' | 'admin';

let subjects = 0;

/** The people of a trial site and the calls they make, against a running test app. */
export class TrialSite {
  private constructor(
    private readonly t: TestApp,
    readonly siteId: string,
    readonly coordinator: string,
    readonly investigator: string,
    /** The investigator's user id: the witness of the bedside check when the coordinator records an infusion. */
    readonly investigatorId: string,
    /** The coordinator's user id: the witness when the investigator records one. */
    readonly coordinatorId: string,
  ) {}

  /** Each patient's chain-of-identity identifier, as the answers to its events showed it. */
  private readonly cois = new Map<string, string>();

  static async open(t: TestApp, siteId: string): Promise<TrialSite> {
    const investigator = await createUserWithId(t, 'investigator', [siteId]);
    const coordinator = await createUserWithId(t, 'coordinator', [siteId]);
    for (const user of [investigator, coordinator]) {
      const res = await t.http.post('/users/me/signing-password').set('Authorization', `Bearer ${user.token}`).send({ password: SIGNING_PASSWORD });
      if (res.status !== 204) throw new Error(`signing password not set: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return new TrialSite(t, siteId, coordinator.token, investigator.token, investigator.id, coordinator.id);
  }

  /** The patient's chain-of-identity identifier (read from the API when no answer showed it yet). */
  async coiOf(patientId: string): Promise<string | null> {
    const known = this.cois.get(patientId);
    if (known) return known;
    const res = await this.get(`/patients/${patientId}`, this.investigator);
    return (res.body?.chainOfIdentity as string | null | undefined) ?? null;
  }

  async register(overrides: Record<string, unknown> = {}): Promise<string> {
    subjects += 1;
    const res = await this.t.http
      .post('/patients')
      .set('Authorization', `Bearer ${this.coordinator}`)
      .send({
        protocolId: 'cd19-rr-all',
        subjectId: `${this.siteId}-S${String(subjects).padStart(3, '0')}`,
        siteId: this.siteId,
        sex: 'female',
        birthDate: '1991-07-14',
        weightKg: 70,
        heightCm: 170,
        ...overrides,
      });
    if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /**
   * Posts an event; the site's investigator signs a sign-off (re-entering the signing password)
   * unless the body says otherwise. An infusion without a bedside check gets the patient's own
   * identifier as the bag's and the site's other person as the witness, and the bag is thawed
   * first, at the infusion's time (a bag already thawed is left as it is).
   */
  async post(patientId: string, body: Record<string, unknown>, token = this.coordinator, headers: Record<string, string> = {}) {
    const req = this.t.http.post(`/patients/${patientId}/events`).set('Authorization', `Bearer ${token}`);
    for (const [k, v] of Object.entries(headers)) req.set(k, v);
    const signs = token === this.investigator && body.signature === undefined;
    let sent = signs ? { ...body, ...signOff(String(body.type), body.data) } : body;
    if (body.type === 'INFUSION_COMPLETED') {
      const witness = token === this.investigator ? this.coordinatorId : this.investigatorId;
      const coi = await this.coiOf(patientId);
      sent = withBedsideCheck(sent, coi, witness);
      if (coi && sent !== body) await this.thawed(patientId, body.occurredAt as string | undefined);
    }
    const res = await req.send(sent);
    const coi = (res.body as { patient?: { chainOfIdentity?: string | null } } | undefined)?.patient?.chainOfIdentity;
    if (coi) this.cois.set(patientId, coi);
    return res;
  }

  /** The bag thawed for an infusion, unless it already is; a thaw refused is left for the infusion's answer to explain. */
  async thawed(patientId: string, occurredAt?: string) {
    const coi = await this.coiOf(patientId);
    if (!coi) return;
    const [type, data] = thaw(coi);
    await this.t.http
      .post(`/patients/${patientId}/events`)
      .set('Authorization', `Bearer ${this.coordinator}`)
      .send({ type, data, ...(occurredAt ? { occurredAt } : {}) });
  }

  /**
   * Posts steps of the chain of custody (libs/testing/src/custody.ts: `toRelease`, `toSiteStorage`…)
   * with the patient's identifier, each dated `occurredAt` when given.
   */
  async custody(patientId: string, steps: (coi: string) => Array<[string, Record<string, unknown>]>, occurredAt?: string) {
    for (const [type, data] of steps((await this.coiOf(patientId))!)) {
      const res = await this.post(patientId, { type, data, ...(occurredAt ? { occurredAt } : {}) });
      if (res.status !== 200) throw new Error(`${type} failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
  }

  /** Posts an event that must succeed, at the test clock's "now" unless `occurredAt` is given. */
  async record(patientId: string, type: string, data: Record<string, unknown> = {}, token = this.coordinator) {
    const res = await this.post(patientId, { type, data }, token);
    if (res.status !== 200) throw new Error(`${type} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  get(path: string, token = this.coordinator) {
    return this.t.http.get(path).set('Authorization', `Bearer ${token}`);
  }

  /** Consent (seq 2) through enrollment (seq 5), the eligibility sign-off (seq 4) signed by the investigator. */
  async enrolled(patientId: string, eligible: EligibleScreening = eligibleCd19Screening) {
    const { screening, attestations } = eligible();
    await this.record(patientId, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await this.record(patientId, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
    await this.record(patientId, 'ELIGIBILITY_CONFIRMED', { attestations }, this.investigator);
    await this.record(patientId, 'ENROLLED');
  }

  /**
   * Consent (seq 2) through product release (seq 10): enrollment (seq 5), then the chain of custody
   * from the collection (seq 6) to the release; the eligibility sign-off (seq 4) signed by the investigator.
   */
  async released(patientId: string, eligible: EligibleScreening = eligibleCd19Screening) {
    await this.enrolled(patientId, eligible);
    await this.custody(patientId, (coi) => toRelease(coi));
  }

  /** Screening through lymphodepletion: the product at the site in storage, the patient ready for infusion. */
  async readyForInfusion(patientId: string, eligible: EligibleScreening = eligibleCd19Screening) {
    await this.released(patientId, eligible);
    await this.custody(patientId, toSiteStorage);
    await this.record(patientId, 'LYMPHODEPLETION_STARTED');
    await this.record(patientId, 'LYMPHODEPLETION_COMPLETED');
  }

  async infused(overrides: Record<string, unknown> = {}): Promise<string> {
    const id = await this.register(overrides);
    await this.readyForInfusion(id);
    await this.record(id, 'INFUSION_COMPLETED', { cellsPerKg: 7e6 });
    return id;
  }
}

export async function createUser(t: TestApp, role: Role, siteIds: string[]): Promise<string> {
  return (await createUserWithId(t, role, siteIds)).token;
}

export async function createUserWithId(t: TestApp, role: Role, siteIds: string[]): Promise<{ id: string; token: string }> {
  const res = await t.http
    .post('/users')
    .set('Authorization', `Bearer ${t.adminToken}`)
    .send({ name: `${role} of ${siteIds.join(',') || 'all'}`, role, siteIds });
  if (res.status !== 201) throw new Error(`user creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, token: res.body.token };
}
