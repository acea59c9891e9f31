import { eligibleCd19Screening, toRelease, toSiteStorage } from '#testing';
import { startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';

/** A protocol amendment: patients stay on the version they registered under; one that needs site approval waits for it (amendment-approvals.e2e-spec.ts). */
describe('protocol amendments', () => {
  let t: TestApp;
  let site: TrialSite;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
  });
  afterAll(() => t.close());

  it('runs a v1 and a v2 patient side by side, each on its own version', async () => {
    const v1 = await site.register({ protocolVersion: 1 });
    const v2 = await site.register();
    expect((await site.get(`/patients/${v1}`)).body.protocol).toBe('cd19-rr-all@1');
    expect((await site.get(`/patients/${v2}`)).body.protocol).toBe('cd19-rr-all@2');

    // Both were treated with a CD19 CAR-T product before: v1 allows it, amendment 1 excludes it.
    const { screening, attestations } = eligibleCd19Screening({ screening: { priorCd19CarT: true } });
    for (const id of [v1, v2]) {
      await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
      await site.record(id, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
    }
    const confirmV1 = await site.post(v1, { type: 'ELIGIBILITY_CONFIRMED', data: { attestations } }, site.investigator);
    const confirmV2 = await site.post(v2, { type: 'ELIGIBILITY_CONFIRMED', data: { attestations } }, site.investigator);
    expect(confirmV1.status).toBe(200);
    expect(confirmV1.body.patient.state).toBe('eligible');
    expect(confirmV2.status).toBe(422);
    expect(confirmV2.body.reasons).toEqual(['the patient has received a CD19-directed CAR-T product']);

    // The v1 patient keeps running on v1 to Day 0.
    await site.record(v1, 'ENROLLED');
    await site.custody(v1, (coi) => [...toRelease(coi), ...toSiteStorage(coi)]);
    for (const type of ['LYMPHODEPLETION_STARTED', 'LYMPHODEPLETION_COMPLETED']) await site.record(v1, type);
    const infused = await site.record(v1, 'INFUSION_COMPLETED', { cellsPerKg: 6e6 });
    expect(infused.patient).toMatchObject({ protocol: 'cd19-rr-all@1', state: 'dltWindow' });
    expect((await site.get(`/patients/${v2}`)).body.state).toBe('screening');
  });

  it('describes each version, and lists the newest with all versions', async () => {
    const v1 = (await site.get('/protocols/cd19-rr-all?version=1')).body;
    const v2 = (await site.get('/protocols/cd19-rr-all?version=2')).body;
    const v3 = (await site.get('/protocols/cd19-rr-all')).body;
    expect([v1.version, v2.version, v3.version]).toEqual([1, 2, 3]);
    expect(v1.amendment).toBeNull();
    expect(v2.amendment.summary).toMatch(/CD19-directed CAR-T/);
    expect(v2.eligibility.length).toBe(v1.eligibility.length + 1);
    // v3 is the newest definition, but needs each site's IRB approval: site-a has none, so new patients there got v2 above.
    expect(v3.amendment).toMatchObject({ effective: '2024-06-01', siteApproval: true });
    const list = (await site.get('/protocols')).body;
    expect(list.find((p: { id: string }) => p.id === 'cd19-rr-all')).toMatchObject({ version: 3, versions: [1, 2, 3] });
  });
});
