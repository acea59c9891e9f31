import { eventually, startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';
import { Cd38Trial } from './support/cd38-trial';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Toxicity from the labs through the API on PostgreSQL: blood counts posted as observations,
 * graded by CTCAE v5.0, proposed as AEs, confirmed or dismissed, and ICAHT on the patient and in the
 * outcomes, each grade worked out by hand below. NCT03754764 counts a cytopenia not recovered by
 * day 28 as a DLT.
 */
describe('toxicity from the labs (NCT03754764)', () => {
  let t: TestApp;
  let site: TrialSite;
  let other: TrialSite;
  let trial: Cd38Trial;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
    other = await TrialSite.open(t, 'site-b');
    trial = new Cd38Trial(t, site);
  });
  afterAll(() => t?.close());

  const patient = async (id: string, as = site.coordinator) => site.get(`/patients/${id}`, as);
  const count = (infusedAt: string, day: number) => new Date(Date.parse(infusedAt) + day * DAY_MS).toISOString();
  async function observe(id: string, infusedAt: string, code: 'ANC' | 'PLT', day: number, value: number) {
    const res = await t.http
      .post(`/patients/${id}/observations`)
      .set('Authorization', `Bearer ${site.coordinator}`)
      .send({ code, value, unit: '10^9/L', collectedAt: count(infusedAt, day) });
    expect(res.status).toBe(200);
    return res.body.result;
  }
  const dismiss = (id: string, data: Record<string, unknown>, token = site.investigator) =>
    t.http.post(`/patients/${id}/events`).set('Authorization', `Bearer ${token}`).send({ type: 'LAB_TOXICITY_DISMISSED', data });

  it('grades, proposes, confirms and dismisses, and grades ICAHT from the ANC series', async () => {
    const { id } = await trial.treat(false);
    const infusedAt = (await patient(id)).body.record.infusion.infusedAt as string;
    t.clock.advanceDays(62);

    // Day −2 is before lymphodepletion: the baseline, not graded.
    expect(await observe(id, infusedAt, 'ANC', -2, 3.0)).toEqual({ baseline: true });
    // Day 0: 1.2 ×10⁹/L is grade 2 (< 1.5 – 1.0), proposed; day 1: 0.4 is grade 4 (< 0.5), which replaces it.
    expect(await observe(id, infusedAt, 'ANC', 0, 1.2)).toMatchObject({ term: 'Neutrophil count decreased', grade: 2, proposal: { grade: 2 } });
    expect(await observe(id, infusedAt, 'ANC', 1, 0.4)).toMatchObject({ grade: 4, proposal: { id: `ANC@${count(infusedAt, 1)}`, grade: 4, studyDay: 1 } });
    // Still grade 4 or better afterwards: nothing new is proposed.
    for (const [day, value] of [
      [3, 0.08],
      [5, 0.05],
      [7, 0.09],
      [9, 0.3],
      [12, 0.6],
      [14, 1.6],
      [21, 2.0],
      [28, 2.2],
      [40, 1.2],
      [55, 0.9],
    ]) {
      expect(await observe(id, infusedAt, 'ANC', day, value)).not.toHaveProperty('proposal');
    }
    // Platelets 40 ×10⁹/L on day 3: grade 3 (< 50 – 25).
    expect(await observe(id, infusedAt, 'PLT', 3, 40)).toMatchObject({ term: 'Platelet count decreased', grade: 3, proposal: { grade: 3 } });

    let record = (await patient(id)).body.record;
    expect(record.adverseEventCount).toBe(0);
    // Each new proposal (day 0, day 1, the platelets) is a notice to the site; the other site gets none.
    const notices = await eventually(
      async () => {
        const items = (await site.get('/notifications')).body.items.filter((n: { kind: string }) => n.kind === 'lab-toxicity-proposed');
        return items.length === 3 && items;
      },
      10_000,
      'the lab toxicity notices',
    );
    expect(notices.map((n: { message: string }) => n.message)).toContain(
      'Lab result proposed as an adverse event: grade 4 Neutrophil count decreased (0.4 10^9/L, day 1); confirm or dismiss it',
    );
    expect((await other.get('/notifications')).body.items).toEqual([]);
    expect(record.labToxicity.proposals.map((p: { id: string }) => p.id)).toEqual([`ANC@${count(infusedAt, 1)}`, `PLT@${count(infusedAt, 3)}`]);
    // Early ICAHT, by hand: ≤ 500/µL on days 1–9 (days 2, 4, 6, 8 lie between low samples) = 9 days,
    // grade 2; ≤ 100/µL proven on days 3–7 = 5 days. Days 10–11 lie between 0.3 (day 9) and 0.6
    // (day 12): unknown. Counting the unknown days low, ≤ 100/µL could be days 2–8 = 7 days: grade 3.
    // Late ICAHT: 1.2 (day 40) and 0.9 (day 55): the second-lowest, 1.2, is ≤ 1500/µL: grade 1.
    expect(record.labToxicity.icaht).toEqual({
      early: { grade: 2, worstPossibleGrade: 3, daysAtOrBelow500: 9, daysAtOrBelow100: 5, unknownDays: 2 },
      late: {
        grade: 1,
        lowest: [
          { day: 55, value: 0.9 },
          { day: 40, value: 1.2 },
        ],
      },
    });

    // A dismissal without a reason is refused, names the field, and writes nothing.
    const before = (await patient(id)).body.lastSeq;
    const noReason = await dismiss(id, { proposal: `PLT@${count(infusedAt, 3)}` });
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(noReason.body)).toContain('reason');
    // A coordinator may not dismiss: it is the investigator's judgement.
    expect((await dismiss(id, { proposal: `PLT@${count(infusedAt, 3)}`, reason: 'lab error' }, site.coordinator)).status).toBe(403);
    // A proposal that is not open is refused with 422.
    const unknown = await dismiss(id, { proposal: `PLT@${count(infusedAt, 4)}`, reason: 'lab error' });
    expect(unknown.status).toBe(422);
    expect((await patient(id)).body.lastSeq).toBe(before);

    // The investigator confirms the neutropenia as an AE naming the proposal, and dismisses the platelets.
    const confirmed = await t.http
      .post(`/patients/${id}/adverse-events`)
      .set('Authorization', `Bearer ${site.investigator}`)
      .send({ term: 'Neutrophil count decreased', grade: 4, onset: count(infusedAt, 1), related: true, serious: false, labProposal: `ANC@${count(infusedAt, 1)}` });
    expect(confirmed.status).toBe(200);
    // Haematological toxicity on day 1 is not dose-limiting under the protocol.
    expect(confirmed.body.result).toMatchObject({ grade: 4, dlt: false });
    expect((await dismiss(id, { proposal: `PLT@${count(infusedAt, 3)}`, reason: 'clumped sample, repeat count normal' })).status).toBe(200);
    record = (await patient(id)).body.record;
    expect(record.labToxicity.proposals).toEqual([]);
    expect(record.adverseEventCount).toBe(1);
    // Confirmed at grade 4: another grade 4 count is not proposed again.
    expect(await observe(id, infusedAt, 'ANC', 56, 0.2)).not.toHaveProperty('proposal');
    // The log keeps the dismissal with its reason and its actor.
    const log = await site.get(`/patients/${id}/events?limit=500`);
    const dismissal = (log.body.items ?? log.body).find((e: { type: string }) => e.type === 'LAB_TOXICITY_DISMISSED');
    expect(dismissal.data).toEqual({ proposal: `PLT@${count(infusedAt, 3)}`, reason: 'clumped sample, repeat count normal' });

    // Another site's coordinator sees neither the patient nor its proposals, and cannot act on them.
    expect((await patient(id, other.coordinator)).status).toBe(404);
    expect((await dismiss(id, { proposal: `ANC@${count(infusedAt, 56)}`, reason: 'x' }, other.investigator)).status).toBe(404);
    expect((await patient(id)).body.lastSeq).toBe(before + 3);
  });

  it('counts a grade ≥ 3 cytopenia not recovered by day 28 as a DLT, and shows ICAHT in the outcomes', async () => {
    const { id } = await trial.treat(false);
    const infusedAt = (await patient(id)).body.record.infusion.infusedAt as string;
    t.clock.advanceDays(31);
    const day28 = await observe(id, infusedAt, 'ANC', 28, 0.4);
    expect(day28.proposal.dlt).toContain('not recovered by day 28');
    const confirmed = await site.record(id, 'ADVERSE_EVENT_REPORTED', {
      term: 'Neutrophil count decreased',
      grade: 4,
      onset: count(infusedAt, 28),
      related: true,
      serious: false,
      labProposal: day28.proposal.id,
    });
    expect(confirmed.result).toMatchObject({ dlt: true });
    expect((await patient(id)).body.record.dlts).toEqual([expect.objectContaining({ term: 'Neutrophil count decreased', grade: 4 })]);

    // Outcomes: the first patient's early ICAHT is grade 2; its late ICAHT is grade 2 now that day 56
    // (0.2) is on record: the two lowest are 0.2 and 0.9, the second ≤ 1000/µL. This one has one ANC
    // ≤ 500 on day 28 and no other: one proven day, early grade 1, no late ICAHT.
    const outcomes = await site.get('/trials/NCT03754764/outcomes');
    expect(outcomes.status).toBe(200);
    expect(outcomes.body.safety.icaht).toEqual({
      patientsWithAnc: 2,
      earlyByGrade: [
        { grade: 1, patients: 1 },
        { grade: 2, patients: 1 },
        { grade: 3, patients: 0 },
        { grade: 4, patients: 0 },
      ],
      lateByGrade: [
        { grade: 1, patients: 0 },
        { grade: 2, patients: 1 },
        { grade: 3, patients: 0 },
        { grade: 4, patients: 0 },
      ],
    });
  });
});
