import { DataSource } from 'typeorm';
import { collection, eligibleCd19Screening, thaw, type DatabaseKind } from '#testing';
import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';
import { fingerprint } from './support/invariants';

/**
 * Implausible clinical data through the HTTP API: each is refused with a 400 (out of a fixed,
 * physical range: the schema) or a 422 (refused by a rule over the record or the clock) that names
 * the field and the bound, and nothing is written: not the event, not a timer, not a notification.
 */
describe.each<DatabaseKind>(['postgres', 'sqlite'])('implausible data on %s', (kind) => {
  let t: TestApp;
  let site: TrialSite;
  let lab: string;

  beforeAll(async () => {
    t = await startTestApp(kind);
    site = await TrialSite.open(t, 'site-a');
    lab = await createUser(t, 'lab', ['site-a']);
  });
  afterAll(() => t.close());

  const db = () => t.app.get(DataSource);
  const iso = (ms: number) => new Date(ms).toISOString();
  const now = () => t.clock.now().getTime();
  const DAY = 86_400_000;

  /** Sends a request that must be refused, and checks that the database is exactly as it was. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer of the API, whose shape each test asserts field by field
  async function refused(send: () => PromiseLike<{ status: number; body: any }>, status: 400 | 422) {
    const before = await fingerprint(t);
    const res = await send();
    expect({ status: res.status, error: res.body.error }).toEqual({ status, error: status === 400 ? 'invalid_input' : 'refused' });
    expect(await fingerprint(t)).toEqual(before);
    return (status === 400 ? res.body.issues : res.body.reasons) as string[];
  }

  const register = (body: Record<string, unknown>) =>
    t.http
      .post('/patients')
      .set('Authorization', `Bearer ${site.coordinator}`)
      .send({
        protocolId: 'cd19-rr-all',
        subjectId: `P-${Math.random().toString(36).slice(2, 10)}`,
        siteId: 'site-a',
        sex: 'female',
        birthDate: '1991-07-14',
        weightKg: 70,
        heightCm: 170,
        ...body,
      });

  /** The patient's timers waiting to fire, from the database. */
  const timerCount = async (patientId: string) =>
    Number((await db().query(`SELECT count(*) AS n FROM timers WHERE status = 'pending' AND patient_id = ${kind === 'postgres' ? '$1' : '?'}`, [patientId]))[0].n);

  describe('dates', () => {
    it('refuses a consent dated 1800: 400 naming occurredAt and the 1900 floor', async () => {
      const id = await site.register();
      const issues = await refused(() => site.post(id, { type: 'CONSENT_SIGNED', occurredAt: '1800-01-01T00:00:00Z', data: { consentVersion: 'v1' } }), 400);
      expect(issues).toEqual(['occurredAt: must not be before 1900-01-01']);
      // A consent on paper before registration is normal: a week ago is taken.
      expect((await site.post(id, { type: 'CONSENT_SIGNED', occurredAt: iso(now() - 7 * DAY), data: { consentVersion: 'v1' } })).status).toBe(200);
    });

    it('refuses a lifecycle dated in 1900 at its first step, so no infusion in 1900 schedules a storm of past-due timers', async () => {
      const id = await site.register();
      const { screening, attestations } = eligibleCd19Screening();
      const steps: Array<[string, Record<string, unknown>, string?]> = [
        ['CONSENT_SIGNED', { consentVersion: 'v1.0' }],
        ['SCREENING_DATA_RECORDED', screening as Record<string, unknown>],
        ['ELIGIBILITY_CONFIRMED', { attestations }, site.investigator],
        ['ENROLLED', {}],
        ['LEUKAPHERESIS_COMPLETED', {}],
        ['PRODUCT_RELEASED', { lot: 'LOT-1900' }],
        ['LYMPHODEPLETION_STARTED', {}],
        ['LYMPHODEPLETION_COMPLETED', {}],
        ['INFUSION_COMPLETED', { cellsPerKg: 7e6 }],
      ];
      const answers: number[] = [];
      for (const [i, [type, data, token]] of steps.entries()) {
        const res = await site.post(id, { type, data, occurredAt: `1900-01-0${i + 1}T08:00:00Z` }, token ?? site.coordinator);
        answers.push(res.status);
        if (res.status !== 200) {
          expect(res.body.reasons).toEqual([`occurredAt 1900-01-01T08:00:00.000Z is before the patient's birth date 1991-07-14`]);
          break;
        }
      }
      expect(answers).toEqual([422]);
      expect(await timerCount(id)).toBe(0);
      expect((await site.get(`/patients/${id}`)).body).toMatchObject({ state: 'screening', lastSeq: 1, day0: null });
    });

    it('refuses an infusion dated 1900 after a lifecycle in the present', async () => {
      const id = await site.register();
      await site.readyForInfusion(id);
      const reasons = await refused(() => site.post(id, { type: 'INFUSION_COMPLETED', occurredAt: '1900-01-01T00:00:00Z', data: { cellsPerKg: 7e6 } }), 422);
      expect(reasons).toEqual([
        "occurredAt 1900-01-01T00:00:00.000Z is before the patient's birth date 1991-07-14",
        expect.stringMatching(/^infusion at 1900-01-01T00:00:00\.000Z is before the lymphodepletion completion at /),
        // The thaw dated 1900 was refused too: the chain has no thaw, and the storage came later.
        'a gap in the chain of custody: the infusion cannot follow the storage of the product at the site; record the thaw of the product (PRODUCT_THAWED) first',
        expect.stringMatching(/^INFUSION_COMPLETED at 1900-01-01T00:00:00\.000Z is before the storage of the product at the site at /),
      ]);
      expect(await timerCount(id)).toBe(0);
    });

    it('refuses a birth date of 9999-12-31 (in the future), one before 1900 and one older than anyone has lived', async () => {
      const reasons = await refused(() => register({ birthDate: '9999-12-31' }), 422);
      expect(reasons).toEqual(['birthDate 9999-12-31 is in the future']);
      expect(await refused(() => register({ birthDate: '1899-12-31' }), 400)).toEqual(['birthDate: must not be before 1900-01-01']);
      expect(await refused(() => register({ birthDate: '1900-01-01' }), 422)).toEqual([
        'birthDate 1900-01-01 would make the patient older than 122 years, the oldest anyone has lived',
      ]);
      expect((await register({ birthDate: iso(now()).slice(0, 10) })).status).toBe(201);
    });

    it('refuses the steps after eligibility dated before the step they follow', async () => {
      const id = await site.register();
      const { screening, attestations } = eligibleCd19Screening();
      await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
      await site.record(id, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
      const eligible = await site.record(id, 'ELIGIBILITY_CONFIRMED', { attestations }, site.investigator);
      const signedAt = eligible.patient.record.eligibility.confirmedAt;
      const dayBefore = iso(Date.parse(signedAt) - DAY);
      expect(await refused(() => site.post(id, { type: 'ENROLLED', occurredAt: dayBefore }), 422)).toEqual([
        `enrollment at ${dayBefore} is before the eligibility sign-off at ${signedAt}`,
      ]);
      const enrolled = await site.record(id, 'ENROLLED');
      const enrolledAt = enrolled.patient.record.enrollment.enrolledAt;
      const beforeEnrollment = iso(Date.parse(enrolledAt) - 60_000);
      expect(await refused(() => site.post(id, { type: 'LEUKAPHERESIS_COMPLETED', occurredAt: beforeEnrollment, data: collection() }), 422)).toEqual([
        `leukapheresis at ${beforeEnrollment} is before the enrollment at ${enrolledAt}`,
      ]);
    });

    it('refuses an eligibility sign-off dated before the consent', async () => {
      const id = await site.register();
      const { screening, attestations } = eligibleCd19Screening();
      const consentAt = iso(now() - 10 * DAY);
      await site.post(id, { type: 'CONSENT_SIGNED', occurredAt: consentAt, data: { consentVersion: 'v1.0' } });
      await site.record(id, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
      const early = iso(now() - 11 * DAY);
      const reasons = await refused(() => site.post(id, { type: 'ELIGIBILITY_CONFIRMED', occurredAt: early, data: { attestations } }, site.investigator), 422);
      expect(reasons).toEqual([`eligibility sign-off at ${early} is before the consent at ${consentAt}`]);
    });

    it('refuses AE and lab dates in the future or before consent or birth, naming each field', async () => {
      const id = await site.infused();
      const today = iso(now());
      const tomorrow = iso(now() + DAY).slice(0, 10);
      const ae = { term: 'Fatigue', grade: 2, related: false, serious: false };
      expect(await refused(() => site.post(id, { type: 'ADVERSE_EVENT_REPORTED', data: { ...ae, onset: today, resolvedAt: tomorrow } }), 422)).toEqual([
        `data.resolvedAt ${tomorrow} is more than 5 minutes in the future`,
      ]);
      const beforeConsent = iso(now() - 400 * DAY).slice(0, 10);
      expect(await refused(() => site.post(id, { type: 'ADVERSE_EVENT_REPORTED', data: { ...ae, onset: beforeConsent } }), 422)).toEqual([
        expect.stringMatching(new RegExp(`^onset ${beforeConsent} is before the consent on \\d{4}-\\d\\d-\\d\\d: an event before consent is medical history`)),
      ]);
      expect(await refused(() => site.post(id, { type: 'ADVERSE_EVENT_REPORTED', data: { ...ae, onset: '1800-01-01' } }), 400)).toEqual([
        'data.onset: must not be before 1900-01-01',
      ]);
      const observation = (collectedAt: string) =>
        t.http.post(`/patients/${id}/observations`).set('Authorization', `Bearer ${lab}`).send({ code: 'IL6', compartment: 'PB', value: 12, unit: 'pg/mL', collectedAt });
      const inAnHour = iso(now() + 3_600_000);
      expect(await refused(() => observation(inAnHour), 422)).toEqual([`data.collectedAt ${inAnHour} is more than 5 minutes in the future`]);
      expect(await refused(() => observation('1950-06-01'), 422)).toEqual(["data.collectedAt 1950-06-01 is before the patient's birth date 1991-07-14"]);
      expect((await observation(iso(now() - 60_000))).status).toBe(200);
    });
  });

  describe('body size and doses', () => {
    it('refuses lymphodepletion at 1 cm and 0.5 kg (a BSA of 0.01 m², fludarabine 0.3 mg), naming both bounds', async () => {
      const fresh = await site.register();
      await site.released(fresh);
      const issues = await refused(() => site.post(fresh, { type: 'LYMPHODEPLETION_STARTED', data: { heightCm: 1, weightKg: 0.5 } }), 400);
      expect(issues).toEqual(['data.weightKg: a weight is at least 2 kg (a newborn at term)', 'data.heightCm: a height is at least 40 cm (a newborn at term)']);
      expect(await refused(() => site.post(fresh, { type: 'LYMPHODEPLETION_STARTED', data: { weightKg: 1e-300 } }), 400)).toEqual([
        'data.weightKg: a weight is at least 2 kg (a newborn at term)',
      ]);
      // Each value possible alone, not together with the registered height of 170 cm.
      expect(await refused(() => site.post(fresh, { type: 'LYMPHODEPLETION_STARTED', data: { weightKg: 3 } }), 422)).toEqual([
        expect.stringMatching(/^3 kg at 170 cm is a body mass index of 1\.0 kg\/m², below 6: no person has that build$/),
      ]);
      expect(await refused(() => site.post(fresh, { type: 'LYMPHODEPLETION_STARTED', data: { heightCm: 100, weightKg: 3 } }), 400)).toEqual([
        expect.stringMatching(/^data\.weightKg: 3 kg at 100 cm is a body mass index of 3\.0 kg\/m², below 6/),
      ]);
      const started = await site.record(fresh, 'LYMPHODEPLETION_STARTED', { heightCm: 168, weightKg: 62 });
      expect(started.result.lymphodepletion).toMatchObject({
        bsaM2: 1.7,
        agents: [
          { agent: 'fludarabine', dailyMg: 51 },
          { agent: 'cyclophosphamide', dailyMg: 510 },
        ],
      });
    });

    it('refuses registration at 1e-300 kg, at 1 cm, and a build no person has', async () => {
      expect(await refused(() => register({ weightKg: 1e-300 }), 400)).toEqual(['weightKg: a weight is at least 2 kg (a newborn at term)']);
      expect(await refused(() => register({ heightCm: 1 }), 400)).toEqual(['heightCm: a height is at least 40 cm (a newborn at term)']);
      expect(await refused(() => register({ heightCm: 170, weightKg: 2.5 }), 400)).toEqual([
        expect.stringMatching(/^weightKg: 2\.5 kg at 170 cm is a body mass index of 0\.9 kg\/m², below 6/),
      ]);
    });

    it('refuses an infusion weight no person of the registered height has', async () => {
      const id = await site.register();
      await site.readyForInfusion(id);
      await site.custody(id, (coi) => [thaw(coi)]);
      expect(await refused(() => site.post(id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg: 7e6, weightKg: 0.5 } }), 400)).toEqual([
        'data.weightKg: a weight is at least 2 kg (a newborn at term)',
      ]);
      expect(await refused(() => site.post(id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg: 7e6, weightKg: 2.1 } }), 422)).toEqual([
        expect.stringMatching(/^2\.1 kg at 170 cm is a body mass index of 0\.7 kg\/m², below 6/),
      ]);
    });
  });

  describe('lab values', () => {
    let id: string;
    beforeAll(async () => {
      id = await site.infused();
    });
    const observation = (body: Record<string, unknown>) =>
      t.http
        .post(`/patients/${id}/observations`)
        .set('Authorization', `Bearer ${lab}`)
        .send({ compartment: 'PB', collectedAt: iso(now() - 60_000), ...body });

    it('refuses CAR_COPIES of -1 (a negative count is never a value), naming the field and the bound', async () => {
      const issues = await refused(() => observation({ code: 'CAR_COPIES', value: -1, unit: 'copies/µg gDNA' }), 400);
      expect(issues).toEqual([expect.stringMatching(/^data\.value: CAR_COPIES is at least 0 copies\/µg gDNA \(a count is not negative/)]);
      // the same through POST /patients/:id/events
      expect(
        await refused(() => site.post(id, { type: 'LAB_RESULT_RECORDED', data: { code: 'CAR_COPIES', value: -1, unit: 'copies/µg gDNA', collectedAt: iso(now()) } }, lab), 400),
      ).toHaveLength(1);
      expect((await observation({ code: 'CAR_COPIES', value: 0, unit: 'copies/µg gDNA' })).status).toBe(200);
    });

    it('refuses an unknown unit for a known code, naming the accepted ones', async () => {
      expect(await refused(() => observation({ code: 'CAR_COPIES', value: 100, unit: 'pg/mL' }), 400)).toEqual([
        'data.unit: CAR_COPIES is reported in "copies/µg gDNA" or "copies/μg gDNA" or "copies/ug gDNA", not "pg/mL"',
      ]);
      expect(await refused(() => observation({ code: 'IL6', value: 10, unit: 'ng/mL' }), 400)).toEqual(['data.unit: IL6 is reported in "pg/mL" or "pg/ml", not "ng/mL"']);
    });

    it.each([
      ['CAR_T_PERCENT', 140, '%', 'data.value: CAR_T_PERCENT is at most 100 % (a share of the cells counted)'],
      ['MRD', -0.01, '%', 'data.value: MRD is at least 0 % (a share of the cells counted)'],
      ['IL6', 5e6, 'pg/mL', expect.stringMatching(/^data\.value: IL6 is at most 1000000 pg\/mL/)],
      ['TNFA', -2, 'pg/mL', expect.stringMatching(/^data\.value: TNFA is at least 0 pg\/mL/)],
    ])('refuses %s %p %s', async (code, value, unit, issue) => {
      expect(await refused(() => observation({ code, value, unit }), 400)).toEqual([issue]);
    });

    it('keeps a code outside the vocabulary as sent', async () => {
      const res = await observation({ code: 'FERRITIN', value: 812, unit: 'ng/mL' });
      expect(res.status).toBe(200);
    });
  });

  describe('free-form screening objects', () => {
    const keys = (n: number, prefix: string, value: unknown) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, value]));

    it('refuses thousands of markers in one event (400) and a record grown past 100 markers over several (422)', async () => {
      const id = await site.register();
      const issues = await refused(() => site.post(id, { type: 'SCREENING_DATA_RECORDED', data: { markers: keys(5000, 'CD', 'positive') } }), 400);
      expect(issues).toEqual(['data.markers: at most 100 markers']);
      expect(await refused(() => site.post(id, { type: 'SCREENING_DATA_RECORDED', data: { conditions: keys(101, 'c', false) } }), 400)).toEqual([
        'data.conditions: at most 100 conditions',
      ]);
      await site.record(id, 'SCREENING_DATA_RECORDED', { markers: keys(60, 'CD', 'positive') });
      expect(await refused(() => site.post(id, { type: 'SCREENING_DATA_RECORDED', data: { markers: keys(41, 'X', 'negative') } }), 422)).toEqual([
        'data.markers: the screening record would hold 101 markers, more than the 100 it may hold',
      ]);
      // Recording known markers again does not grow the record.
      await site.record(id, 'SCREENING_DATA_RECORDED', { markers: { ...keys(60, 'CD', 'dim'), ...keys(40, 'X', 'negative') } });
      const [row] = await db().query(`SELECT length(snapshot) AS bytes FROM patients WHERE id = ${kind === 'postgres' ? '$1' : '?'}`, [id]);
      expect(Number(row.bytes)).toBeLessThan(20_000);
    });
  });
});
