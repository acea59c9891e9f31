import { eligibleCd38Screening, type DatabaseKind } from '#testing';
import { startTestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';
import { settleDueTimers } from './support/timers';
import { Cd38Trial } from './support/cd38-trial';

/**
 * The 3+3 rule of NCT03754764 as its source words it (docs/clinical.md, section "Dose escalation"), through the
 * API: the trial row's decisions and MTD in GET /trials/:id as the patients' DLT windows close.
 * The cases the 3+3 trial of dose-escalation.e2e-spec.ts does not walk: the lowest level too toxic,
 * and an MTD that must first be expanded to 6 below a level that exceeds it. (No protocol uses
 * BOIN: its rules are unit specs against the BOIN R package's outputs, statistics/boin-package.spec.ts.)
 */
describe.each<DatabaseKind>(['postgres', 'sqlite'])('3+3 dose finding on NCT03754764 (%s)', (kind) => {
  interface Decision {
    action: string;
    fromLevel: number;
    toLevel: number | null;
    reason: string;
    patientId?: string;
  }

  /** One trial on a database of its own, with the calls that treat its patients. */
  async function openTrial() {
    const t = await startTestApp(kind);
    const site = await TrialSite.open(t, 'site-a');
    const cd38 = new Cd38Trial(t, site);
    const trial = () => cd38.row();
    const treat = (withDlt: boolean) => cd38.treat(withDlt);
    const infuseCohort = (dlts: boolean[]) => cd38.infuseCohort(dlts);

    /**
     * Moves the clock on a day at a time, firing the timers that fall due each day (DLT windows
     * closing), so windows close in the order of their dates as they would on a running server.
     */
    async function after(days: number) {
      for (let day = 0; day < days; day += 1) {
        t.clock.advanceDays(1);
        await settleDueTimers(t);
      }
    }

    return { t, site, trial, treat, infuseCohort, after };
  }

  const actions = (decisions: Decision[]) => decisions.map((d) => `${d.action} ${d.fromLevel}→${d.toLevel}`);

  describe('the lowest level too toxic', () => {
    let run: Awaited<ReturnType<typeof openTrial>>;
    beforeAll(async () => {
      run = await openTrial();
    });
    afterAll(() => run.t.close());

    it('stops at the second DLT of level 1, names no MTD, and closes enrollment without writing anything', async () => {
      const { site, trial, infuseCohort, after } = run;
      // 0 of 3 at level 1 would escalate; here the first two of the cohort have a DLT.
      const [first, second, third] = await infuseCohort([true, true, false]);
      expect([first!.level, second!.level, third!.level]).toEqual([1, 1, 1]);
      // Day 29 after the third infusion is day 43 after the first: but the second DLT settles it as soon as
      // the second window closes (day 7 + 28), while the third patient is still in the window.
      await after(36 - 14);
      let state = await trial();
      expect(actions(state.decisions)).toEqual(['stop 1→null']);
      expect(state).toMatchObject({ status: 'stopped', mtd: null, currentDoseLevel: 1 });
      expect(state.decisions[0].reason).toBe('2 of 2 patients at level 1 had a DLT, so it exceeds the MTD and is the lowest level: stop the trial, no MTD');
      expect(state.pending.map((p: { patientId: string }) => p.patientId)).toEqual([third!.id]);

      // The third window closes: level 1 is tallied at 2 of 3, and nothing is decided again.
      await after(14);
      state = await trial();
      expect(actions(state.decisions)).toEqual(['stop 1→null']);
      expect(state.levels.map((l: { level: number; evaluable: number; dlts: number }) => [l.level, l.evaluable, l.dlts])).toEqual([
        [1, 3, 2],
        [2, 0, 0],
        [3, 0, 0],
      ]);
      expect(JSON.stringify(state)).not.toMatch(/level null|level undefined/);

      // A fourth patient cannot be enrolled: 422 with the decision's reason, the patient unchanged.
      const id = await site.register({ protocolId: 'NCT03754764' });
      const { screening, attestations } = eligibleCd38Screening();
      await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
      await site.record(id, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
      await site.record(id, 'ELIGIBILITY_CONFIRMED', { attestations }, site.investigator);
      const before = (await site.get(`/patients/${id}`)).body;
      const refused = await site.post(id, { type: 'ENROLLED', data: {} });
      expect(refused.status).toBe(422);
      expect(refused.body.reasons).toEqual([`enrollment is closed: dose escalation stopped (${state.decisions[0].reason})`]);
      const afterRefusal = (await site.get(`/patients/${id}`)).body;
      expect(afterRefusal.state).toBe(before.state);
      expect(afterRefusal.doseLevel ?? null).toBeNull();
      expect((await trial()).enrolled).toBe(3);
    });
  });

  describe('an MTD expanded to 6 below a level that exceeds it', () => {
    let run: Awaited<ReturnType<typeof openTrial>>;
    beforeAll(async () => {
      run = await openTrial();
    });
    afterAll(() => run.t.close());

    it('0/3 escalates, 2/3 de-escalates to treat 3 more below, 1 of 6 there makes it the MTD, and expansion gets it', async () => {
      const { trial, infuseCohort, after, treat } = run;
      await infuseCohort([false, false, false]);
      await after(29);
      expect(actions((await trial()).decisions)).toEqual(['escalate 1→2']);

      // Level 2: 2 of 3 exceed the MTD; level 1 has only 3 evaluable, so 3 more there.
      const second = await infuseCohort([true, false, true]);
      expect(second.map((p) => p.level)).toEqual([2, 2, 2]);
      await after(29);
      let state = await trial();
      expect(actions(state.decisions)).toEqual(['escalate 1→2', 'de-escalate 2→1']);
      expect(state.decisions[1].reason).toBe(
        '2 of 3 patients at level 2 had a DLT, so it exceeds the MTD: de-escalate to level 1 and treat 3 more patients there ' + '(it has 3 evaluable of the 6 an MTD needs)',
      );
      expect(state).toMatchObject({ status: 'open', mtd: null, currentDoseLevel: 1 });

      // Level 1: 1 of 3 more, 1 of 6 in all: level 1 is the MTD (never level 2, which exceeds it).
      const third = await infuseCohort([false, true, false]);
      expect(third.map((p) => p.level)).toEqual([1, 1, 1]);
      await after(29);
      state = await trial();
      expect(actions(state.decisions)).toEqual(['escalate 1→2', 'de-escalate 2→1', 'mtd-found 1→null']);
      expect(state).toMatchObject({ status: 'mtd-found', mtd: 1, enrolled: 9 });
      expect(state.decisions[2].reason).toBe('1 of 6 patients at level 1 had a DLT and level 2 exceeds the MTD: level 1 is the MTD');
      expect(state.levels.map((l: { level: number; evaluable: number; dlts: number }) => [l.level, l.evaluable, l.dlts])).toEqual([
        [1, 6, 1],
        [2, 3, 2],
        [3, 0, 0],
      ]);

      // Expansion at the MTD.
      expect((await treat(false)).level).toBe(1);
    });
  });
});
