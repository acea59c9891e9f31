import { eligibleCd38Screening } from '#testing';
import type { TestApp } from './test-app';
import type { TrialSite } from './trial-site';

/**
 * The 3+3 dose-escalation trial NCT03754764 through the API, for one site: its trial row, and
 * patients treated at the level the trial assigns, one stagger apart, with a DLT where the test puts it.
 */
export class Cd38Trial {
  constructor(
    private readonly t: TestApp,
    private readonly site: TrialSite,
  ) {}

  /** GET /trials/NCT03754764, which must answer 200. */
  async row() {
    const res = await this.site.get('/trials/NCT03754764');
    if (res.status !== 200) throw new Error(`GET /trials/NCT03754764 answered ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async staggerDays(): Promise<number> {
    return (await this.row()).doseEscalation.staggerDays;
  }

  /** Enrols a patient (the trial assigns the level), infuses the level's dose, and reports a related grade 3 DLT if asked. */
  async treat(withDlt: boolean): Promise<{ id: string; level: number }> {
    const id = await this.site.register({ protocolId: 'NCT03754764' });
    await this.site.readyForInfusion(id, eligibleCd38Screening);
    const patient = (await this.site.get(`/patients/${id}`)).body;
    const level = (await this.row()).levels.find((l: { level: number }) => l.level === patient.doseLevel);
    await this.site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: level.minCellsPerKg });
    if (withDlt) {
      await this.site.record(id, 'ADVERSE_EVENT_REPORTED', {
        term: 'Hepatic failure',
        grade: 3,
        onset: this.t.clock.now().toISOString(),
        related: true,
        serious: true,
      });
    }
    return { id, level: patient.doseLevel };
  }

  /** Treats a cohort one stagger apart; their DLT windows are left open. */
  async infuseCohort(dlts: boolean[]): Promise<Array<{ id: string; level: number }>> {
    const treated = [];
    for (const [i, withDlt] of dlts.entries()) {
      if (i > 0) this.t.clock.advanceDays(await this.staggerDays());
      treated.push(await this.treat(withDlt));
    }
    return treated;
  }
}
