import { eligibleCd38Screening } from '#testing';
import type { TestApp } from './test-app';
import type { TrialSite } from './trial-site';
import { settleDueTimers } from './timers';

export const DAY = 86_400_000;
export const TRIAL = 'NCT03754764';
const iso = (ms: number) => new Date(ms).toISOString();

export interface Treated {
  id: string;
  day0: number;
  level: number;
  site: TrialSite;
}

/** A 3+3 trial on NCT03754764 run by two sites through the API, with the test clock moved by hand. */
export function dose3plus3(t: () => TestApp, sites: () => TrialSite[]) {
  const trial = async (token = sites()[0]!.coordinator) => {
    const res = await sites()[0]!.get(`/trials/${TRIAL}`, token);
    expect(res.status).toBe(200);
    return res.body;
  };

  /** Enrolls a patient (the trial assigns the level) and infuses the level's lowest dose. */
  async function treat(site: TrialSite): Promise<Treated> {
    const id = await site.register({ protocolId: TRIAL });
    await site.readyForInfusion(id, eligibleCd38Screening);
    const level = (await site.get(`/patients/${id}`)).body.doseLevel as number;
    const dose = (await trial()).levels.find((l: { level: number }) => l.level === level).minCellsPerKg;
    const infusion = await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: dose });
    return { id, day0: Date.parse(infusion.patient.day0), level, site };
  }

  /** A cohort of three, one per site in turn, 8 days apart (the protocol staggers by 7), DLTs where asked; then every window closes. */
  async function cohort(dlts: boolean[] = [false, false, false]): Promise<Treated[]> {
    const treated: Treated[] = [];
    for (const [i, dlt] of dlts.entries()) {
      if (i > 0) t().clock.advanceDays(8);
      const p = await treat(sites()[i % sites().length]!);
      if (dlt) await p.site.record(p.id, 'ADVERSE_EVENT_REPORTED', { ...hepaticFailure(p, 0, 3), onset: t().clock.now().toISOString() });
      treated.push(p);
    }
    t().clock.advanceDays(29);
    await settleDueTimers(t());
    return treated;
  }

  /** A grade-4 related hepatic failure with onset on a study day of the patient (inside the 28-day DLT window). */
  const hepaticFailure = (p: Treated, day: number, grade = 4) => ({
    term: 'Hepatic failure',
    grade,
    onset: iso(p.day0 + day * DAY + 3_600_000),
    related: true,
    serious: true,
  });

  /** Registered, consented, screened and signed off as eligible: the next ENROLLED is the trial's to allow. */
  async function eligible(site: TrialSite): Promise<string> {
    const id = await site.register({ protocolId: TRIAL });
    const { screening, attestations } = eligibleCd38Screening();
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await site.record(id, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
    await site.record(id, 'ELIGIBILITY_CONFIRMED', { attestations }, site.investigator);
    return id;
  }

  return { trial, treat, cohort, hepaticFailure, eligible };
}
