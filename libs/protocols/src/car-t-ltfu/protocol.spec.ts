import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { findProtocol } from '../registry';
import type { PatientContext } from '../lifecycle/context';
import { addDays } from '../lifecycle/clinical-time';

const ltfu = findProtocol('car-t-ltfu')!;
const DAY0 = '2024-03-01T08:00:00.000Z';
/** The parent trial (24 months) completed on day 761. */
const ROLLED_OVER = addDays(DAY0, 762);
type Action = { type: string; params?: { delay?: number; id?: string; event?: { type: string } } };

function rollover() {
  const infusion = { infusedAt: DAY0, cellsPerKg: 7e6 } as PatientContext['infusion'];
  const [snapshot, actions] = initialTransition(ltfu.machine, {
    patient: { subjectId: 'S-001', sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 },
    rollover: {
      parentPatientId: 'p-1',
      parentProtocol: 'cd19-rr-all',
      parentSubjectId: 'S-001',
      rolledOverAt: ROLLED_OVER,
      infusion: infusion!,
      consent: { version: 'LTFU 1.0', signedAt: ROLLED_OVER },
    },
  });
  return { snapshot: snapshot as AnyMachineSnapshot, actions: actions as Action[] };
}
const ctx = (s: AnyMachineSnapshot) => s.context as PatientContext;

describe('car-t-ltfu: 15 years of follow-up after a rollover', () => {
  it('has yearly visits to year 15 (± 30 days to year 5, ± 60 after), each asking for the delayed adverse events of the FDA guidance', () => {
    const schedule = ltfu.spec.schedule;
    expect(schedule.map((v) => v.name)).toEqual(Array.from({ length: 15 }, (_, i) => `Y${i + 1}`));
    expect(schedule.map((v) => v.day)).toEqual(Array.from({ length: 15 }, (_, i) => 365 * (i + 1)));
    expect(schedule.map((v) => v.windowAfterDays)).toEqual([30, 30, 30, 30, 30, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60]);
    for (const visit of schedule) {
      expect(visit.findings).toEqual(['newMalignancy', 'newNeurologicalDisorder', 'newRheumatologicalOrAutoimmuneDisorder', 'newHaematologicalDisorder', 'seriousInfection']);
      expect(visit.assessments).toEqual(expect.arrayContaining(['vital status', expect.stringMatching(/CAR copies/)]));
    }
    expect(ltfu.spec.followUpDays).toBe(5536);
    expect(ltfu.spec.rollover!.parents).toEqual(expect.arrayContaining(['cd19-rr-all', 'NCT03754764', 'NCT04546906', 'cd20-cd22']));
  });

  it("starts in follow-up with the parent's Day 0; years 1 and 2 closed before the rollover are not required", () => {
    const { snapshot } = rollover();
    expect(snapshot.value).toMatchObject({ postInfusion: { course: 'followUp' } });
    expect(ctx(snapshot).infusion!.infusedAt).toBe(DAY0);
    expect(ctx(snapshot).visits['Y1']).toEqual({ status: 'notRequired', reason: expect.stringMatching(/window closed on 2025-03-31, before the rollover on 2026-04-02/) });
    expect(ctx(snapshot).visits['Y2'].status).toBe('notRequired');
    expect(ctx(snapshot).visits['Y3']).toEqual({ status: 'planned' });
  });

  it('schedules the year-3 to year-15 timers from the rollover, years out, and the end of follow-up at day 5536', () => {
    const { actions } = rollover();
    const raised = actions.filter((a) => a.type === 'xstate.raise' && typeof a.params?.delay === 'number');
    const due = (id: string) => {
      const timer = raised.find((a) => a.params!.id === id);
      return timer ? new Date(Date.parse(ROLLED_OVER) + timer.params!.delay!).toISOString() : undefined;
    };
    expect(due('visit-reminder.Y1')).toBeUndefined();
    expect(due('visit-missed.Y2')).toBeUndefined();
    // Y3: day 1095 ± 30 → window closes 2027-03-31 (day 1125); Y15: day 5475 ± 60 → closes day 5535.
    expect(due('visit-missed.Y3')).toBe(addDays(DAY0, 1125));
    expect(due('visit-reminder.Y15')).toBe(addDays(DAY0, 5475 - 60 - 14));
    expect(due('follow-up-end')).toBe(addDays(DAY0, 5536));
    expect(raised).toHaveLength(13 * 3 + 1);
  });

  it('accepts a yearly visit only with its findings, and a new malignancy notifies', () => {
    const { snapshot } = rollover();
    const at = addDays(DAY0, 1095);
    const bare = { type: 'VISIT_COMPLETED', occurredAt: at, data: { visit: 'Y3' } } as const;
    expect(ltfu.refusals(ctx(snapshot), bare as never)).toEqual([expect.stringMatching(/findings/)]);
    const findings = {
      newMalignancy: true,
      newNeurologicalDisorder: false,
      newRheumatologicalOrAutoimmuneDisorder: false,
      newHaematologicalDisorder: false,
      seriousInfection: false,
    };
    const event = { ...bare, data: { visit: 'Y3', findings } };
    expect(ltfu.refusals(ctx(snapshot), event as never)).toEqual([]);
    const [next, actions] = transition(ltfu.machine, snapshot as never, event as never);
    expect(ctx(next as AnyMachineSnapshot).visits['Y3']).toMatchObject({ status: 'done', findings });
    expect((actions as Action[]).some((a) => a.type === 'notify')).toBe(true);
  });

  it('never screens, enrolls or infuses anyone', () => {
    const { snapshot } = rollover();
    for (const type of ['CONSENT_SIGNED', 'ELIGIBILITY_CONFIRMED', 'ENROLLED', 'INFUSION_COMPLETED']) {
      expect(snapshot.can({ type, occurredAt: ROLLED_OVER, data: {} } as never)).toBe(false);
    }
  });
});
