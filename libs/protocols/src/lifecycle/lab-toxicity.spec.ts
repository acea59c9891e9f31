import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { cd19StepsToInfusion, eligibleCd38Screening } from '#testing/eligibility';
import { cd19RrAll } from '../cd19-rr-all/protocol';
import { nct03754764V1 } from '../nct03754764-cd38/protocol';
import { buildProtocol, type Protocol } from './protocol';
import type { ClinicalEvent, ClinicalEventType } from '../events';
import type { PatientContext } from './context';
import { addDays } from './clinical-time';
import { labToxicityView, PROPOSE_FROM_GRADE } from './lab-toxicity';

const T0 = '2026-03-01T08:00:00.000Z';
const at = (days: number) => addDays(T0, days);

/** One patient on a protocol, driven event by event as the engine does: refused events change nothing. */
class Patient {
  snapshot: AnyMachineSnapshot;
  constructor(
    readonly protocol: Protocol,
    cellsPerKg: number,
    eligible?: { screening: object; attestations: string[] },
  ) {
    const [first] = initialTransition(protocol.machine, { patient: { subjectId: 'S-1', sex: 'female', birthDate: '1980-01-01', weightKg: 70, heightCm: 170 } });
    this.snapshot = first as AnyMachineSnapshot;
    for (const [type, day, data] of cd19StepsToInfusion()) {
      const own =
        eligible && type === 'SCREENING_DATA_RECORDED' ? eligible.screening : eligible && type === 'ELIGIBILITY_CONFIRMED' ? { attestations: eligible.attestations } : data;
      this.send(type, day, own as Record<string, unknown>);
    }
    expect(this.send('INFUSION_COMPLETED', 0, { cellsPerKg }).refusals).toEqual([]);
  }

  get context(): PatientContext {
    return this.snapshot.context as PatientContext;
  }

  /** Sends the event and returns the refusals and the protocol's answer. */
  send(type: ClinicalEventType, day: number, data: Record<string, unknown>) {
    const event: ClinicalEvent = { type, occurredAt: at(day), data };
    const refusals = this.protocol.refusals(this.context, event);
    if (refusals.length) return { refusals, result: undefined, notices: [] };
    const result = this.protocol.answer(this.context, event);
    const [next, actions] = transition(this.protocol.machine, this.snapshot as never, event as never);
    this.snapshot = next as AnyMachineSnapshot;
    const notices = (actions as Array<{ type: string; params?: { kind?: string; message?: string } }>).filter((a) => a.type === 'notify').map((a) => a.params!);
    return { refusals, result, notices };
  }

  lab(code: string, day: number, value: number, extra: Record<string, unknown> = {}) {
    const unit = { ANC: '10^9/L', PLT: '10^9/L', ALT: 'U/L', HGB: 'g/dL' }[code] ?? 'U/L';
    // Posted the day after collection, as a lab result usually is.
    return this.send('LAB_RESULT_RECORDED', Math.max(day + 1, 0.5), { code, value, unit, collectedAt: at(day), ...extra });
  }

  confirm(proposal: string, term: string, grade: number, day: number, related = true) {
    return this.send('ADVERSE_EVENT_REPORTED', day, { term, grade, onset: at(day - 1), related, serious: false, labProposal: proposal });
  }

  get proposals() {
    return this.context.labToxicity?.proposals ?? [];
  }
}

const cd19 = () => new Patient(cd19RrAll[0], 7e6);
const cd38 = () => new Patient(buildProtocol(nct03754764V1), 1e6, eligibleCd38Screening());

describe('lab results graded and proposed as adverse events', () => {
  it(`proposes a result of grade ${PROPOSE_FROM_GRADE} or worse, with its term, grade, value and collection as onset; grade 1 is shown only`, () => {
    const p = cd19();
    const mild = p.lab('PLT', 2, 120);
    expect(mild.result).toMatchObject({ term: 'Platelet count decreased', grade: 1 });
    expect(mild.result).not.toHaveProperty('proposal');
    expect(p.proposals).toEqual([]);
    const answer = p.lab('PLT', 3, 60);
    expect(answer.result).toMatchObject({ grade: 2, proposal: { id: `PLT@${at(3)}`, term: 'Platelet count decreased', grade: 2, value: 60, collectedAt: at(3), studyDay: 3 } });
    expect(p.proposals.map((x) => x.id)).toEqual([`PLT@${at(3)}`]);
    expect(labToxicityView(p.context, at(4)).grades).toEqual([{ term: 'Platelet count decreased', code: 'PLT', grade: 2, value: 60, collectedAt: at(3) }]);
  });

  it('sends a notice for each new proposal, none for a result that opens none', () => {
    const p = cd19();
    expect(p.lab('PLT', 2, 120).notices).toEqual([]);
    expect(p.lab('PLT', 3, 60).notices).toEqual([
      { kind: 'lab-toxicity-proposed', message: 'Lab result proposed as an adverse event: grade 2 Platelet count decreased (60 10^9/L, day 3); confirm or dismiss it' },
    ]);
    expect(p.lab('PLT', 4, 70).notices).toEqual([]);
  });

  it('never records an AE by itself: the count of AEs moves only when one is reported', () => {
    const p = cd19();
    p.lab('ANC', 1, 0.2);
    expect(p.context.adverseEventCount).toBe(0);
    expect(p.context.dlts).toEqual([]);
  });

  it('keeps one open proposal per term: a worse result replaces it, an equal or milder one does not', () => {
    const p = cd19();
    p.lab('PLT', 3, 60);
    p.lab('PLT', 4, 70);
    expect(p.proposals.map((x) => x.grade)).toEqual([2]);
    p.lab('PLT', 5, 40);
    expect(p.proposals.map((x) => [x.id, x.grade])).toEqual([[`PLT@${at(5)}`, 3]]);
  });

  it('a confirmed proposal leaves the list; the same grade is not proposed again, a worse one is', () => {
    const p = cd19();
    p.lab('PLT', 3, 60);
    const confirmed = p.confirm(`PLT@${at(3)}`, 'Platelet count decreased', 2, 4);
    expect(confirmed.refusals).toEqual([]);
    expect(p.proposals).toEqual([]);
    expect(p.context.adverseEventCount).toBe(1);
    p.lab('PLT', 5, 55);
    expect(p.proposals).toEqual([]);
    p.lab('PLT', 6, 45);
    expect(p.proposals.map((x) => [x.term, x.grade])).toEqual([['Platelet count decreased', 3]]);
  });

  it('a dismissal with its reason settles the proposal; a later normal result opens a new episode', () => {
    const p = cd19();
    p.lab('ANC', 1, 0.4);
    const id = `ANC@${at(1)}`;
    expect(p.send('LAB_TOXICITY_DISMISSED', 2, { proposal: id, reason: 'expected after lymphodepletion' }).refusals).toEqual([]);
    expect(p.proposals).toEqual([]);
    p.lab('ANC', 2, 0.3);
    expect(p.proposals).toEqual([]);
    p.lab('ANC', 10, 2.5);
    p.lab('ANC', 12, 0.9);
    expect(p.proposals.map((x) => [x.id, x.grade])).toEqual([[`ANC@${at(12)}`, 3]]);
  });

  it('refuses to settle a proposal that is not open, or to confirm it under another term, and changes nothing', () => {
    const p = cd19();
    p.lab('ANC', 1, 0.4);
    const before = p.context;
    expect(p.send('LAB_TOXICITY_DISMISSED', 2, { proposal: `ANC@${at(9)}`, reason: 'x' }).refusals[0]).toContain(`there is no open lab toxicity proposal ANC@${at(9)}`);
    expect(p.confirm(`ANC@${at(1)}`, 'Anemia', 3, 2).refusals).toEqual([`proposal ANC@${at(1)} is Neutrophil count decreased, not Anemia: confirm it under its own CTCAE term`]);
    expect(p.context).toBe(before);
    p.confirm(`ANC@${at(1)}`, 'Neutrophil count decreased', 4, 2);
    expect(p.send('LAB_TOXICITY_DISMISSED', 3, { proposal: `ANC@${at(1)}`, reason: 'x' }).refusals[0]).toContain('there is no open lab toxicity proposal');
  });

  it('grades against the baseline, the last result collected before lymphodepletion', () => {
    const p = cd19();
    // Lymphodepletion started on day −5: day −6 is the baseline (80 U/L, above the 40 U/L ULN), day −10 is not.
    p.lab('ALT', -10, 30);
    expect(p.lab('ALT', -6, 80).result).toEqual({ baseline: true });
    expect(p.context.labToxicity?.baselines.ALT).toEqual({ value: 80, collectedAt: at(-6) });
    // 130 U/L is 1.6 × baseline: grade 1 (against the ULN it would be grade 3).
    expect(p.lab('ALT', 3, 130).result).toMatchObject({ grade: 1 });
    // 260 U/L is 3.25 × baseline: grade 2.
    expect(p.lab('ALT', 5, 260).result).toMatchObject({ grade: 2 });
  });

  it("uses the lab's reference range when the result carries it", () => {
    const p = cd19();
    // 91 U/L: 3.03 × a ULN of 30 (grade 2), 2.3 × the default ULN of 40 (grade 1).
    expect(p.lab('ALT', 3, 91, { referenceRange: { high: 30 } }).result).toMatchObject({ grade: 2 });
    expect(p.lab('ALT', 4, 91).result).toMatchObject({ grade: 1 });
  });

  it('grades peripheral blood only: a marrow result is counted, not graded', () => {
    const p = cd19();
    p.lab('ANC', 2, 0.1, { compartment: 'BM' });
    expect(p.context.labResultCount).toBe(1);
    expect(p.context.labToxicity).toBeUndefined();
  });

  it('shows ICAHT on the record from the ANC series', () => {
    const p = cd19();
    for (let day = 0; day <= 9; day++) p.lab('ANC', day, day < 8 ? 0.3 : 1.2);
    // 8 days at or below 500/µL (day 0 to day 7): early ICAHT grade 2.
    const view = labToxicityView(p.context, at(9.5));
    expect(view.icaht?.early).toMatchObject({ grade: 2, daysAtOrBelow500: 8, daysAtOrBelow100: 0 });
  });
});

describe('ICAHT from corrected counts', () => {
  it('a count corrected upward stops counting: the corrected value stands for its instant', () => {
    const p = cd19();
    for (let day = 0; day <= 9; day++) p.lab('ANC', day, day < 8 ? 0.3 : 1.2);
    // Day 7's 0.3 was a lab error, corrected to 1.1 for the same collection: days 0–6 low, 7 days, still grade 2.
    p.lab('ANC', 7, 1.1);
    // Day 6 too: 6 days (0–5), grade 1.
    p.lab('ANC', 6, 1.1);
    expect(labToxicityView(p.context, at(9.5)).icaht?.early).toMatchObject({ grade: 1, daysAtOrBelow500: 6 });
    // A second sample of day 6, twelve hours later, is a sample of its own: the day takes the lower, days 0–6 low again.
    p.lab('ANC', 6.5, 0.2);
    expect(labToxicityView(p.context, at(9.5)).icaht?.early).toMatchObject({ grade: 2, daysAtOrBelow500: 7 });
  });

  it('late ICAHT: a low count corrected upward no longer grades, and the next lowest does', () => {
    const p = cd19();
    for (let day = 0; day <= 30; day += 2) p.lab('ANC', day, 2.0);
    p.lab('ANC', 40, 0.4);
    p.lab('ANC', 50, 0.8);
    p.lab('ANC', 60, 1.4);
    // The two lowest on distinct days are 0.4 and 0.8: the second reaches grade 2 (≤ 1000/µL).
    expect(labToxicityView(p.context, at(61)).icaht?.late.grade).toBe(2);
    // Day 40's count corrected to 2.2: the two lowest are now 0.8 and 1.4, grade 1 (≤ 1500/µL).
    p.lab('ANC', 40, 2.2);
    expect(labToxicityView(p.context, at(61)).icaht?.late).toMatchObject({
      grade: 1,
      lowest: [
        { day: 50, value: 0.8 },
        { day: 60, value: 1.4 },
      ],
    });
  });
});

describe('ICAHT on the record of a patient who left the study', () => {
  it('reads the series as of the day the patient left: later days are not unknown days', () => {
    const p = cd19();
    for (let day = 0; day <= 5; day++) p.lab('ANC', day, 0.3);
    expect(p.send('WITHDRAWN', 5.5, { reason: 'patient decision' }).refusals).toEqual([]);
    // Days 0–5 low: 6 days (grade 1); read on day 40 the gaps after day 5 would allow grade 3, but the patient left on day 5.
    expect(labToxicityView(p.context, at(40)).icaht?.early).toEqual({ grade: 1, worstPossibleGrade: 1, daysAtOrBelow500: 6, daysAtOrBelow100: 0, unknownDays: 0 });
  });
});

describe('prolonged cytopenia as a DLT (NCT03754764: grade ≥ 3 not recovered by day 28)', () => {
  it('flags a grade ≥ 3 count from day 28 to day 31 as a DLT, even when the grade is not worse than one settled', () => {
    const p = cd38();
    p.lab('ANC', 5, 0.3);
    p.confirm(`ANC@${at(5)}`, 'Neutrophil count decreased', 4, 6);
    expect(p.context.dlts).toEqual([]);
    p.lab('ANC', 28, 0.4);
    const [proposal] = p.proposals;
    expect(proposal).toMatchObject({ id: `ANC@${at(28)}`, grade: 4, studyDay: 28 });
    expect(proposal.dlt).toContain('not recovered by day 28');
    const confirmed = p.confirm(proposal.id, 'Neutrophil count decreased', 4, 29);
    expect(confirmed.result).toMatchObject({ dlt: true });
    expect(p.context.dlts.map((d) => [d.term, d.grade])).toEqual([['Neutrophil count decreased', 4]]);
    // A later report of the same AE (its resolution) keeps the call.
    const resolved = p.send('ADVERSE_EVENT_REPORTED', 40, {
      term: 'Neutrophil count decreased',
      grade: 4,
      onset: at(28),
      related: true,
      serious: false,
      resolvedAt: at(39),
    });
    expect(resolved.result).toMatchObject({ dlt: true });
    expect(p.context.dlts.map((d) => [d.term, d.persistsOnStudyDay])).toEqual([['Neutrophil count decreased', 28]]);
  });

  it('keeps the DLT on the open proposal when a worse count follows, in the window or after it', () => {
    const p = cd38();
    p.lab('PLT', 28, 40);
    p.lab('PLT', 29, 20);
    expect(p.proposals.map((x) => [x.id, x.grade, x.dlt !== undefined])).toEqual([[`PLT@${at(29)}`, 4, true]]);
    p.lab('PLT', 35, 10);
    expect(p.proposals.map((x) => [x.id, x.dlt !== undefined])).toEqual([[`PLT@${at(29)}`, true]]);
  });

  it('is not a DLT on day 27 or day 32, at grade 2, or when not attributed to the product', () => {
    const day27 = cd38();
    day27.lab('ANC', 27, 0.3);
    expect(day27.proposals[0].dlt).toBeUndefined();
    const day32 = cd38();
    day32.lab('PLT', 32, 20);
    expect(day32.proposals[0].dlt).toBeUndefined();
    const grade2 = cd38();
    grade2.lab('ANC', 28, 1.2);
    expect(grade2.proposals[0]).toMatchObject({ grade: 2 });
    expect(grade2.proposals[0].dlt).toBeUndefined();
    const unrelated = cd38();
    unrelated.lab('PLT', 29, 20);
    expect(unrelated.confirm(`PLT@${at(29)}`, 'Platelet count decreased', 4, 30, false).result).toMatchObject({ dlt: false });
  });

  it('is not a DLT on a protocol whose seed does not imply it (CD19 R/R ALL)', () => {
    const p = cd19();
    p.lab('ANC', 28, 0.3);
    expect(p.proposals[0].dlt).toBeUndefined();
    expect(p.confirm(`ANC@${at(28)}`, 'Neutrophil count decreased', 4, 29).result).toMatchObject({ dlt: false });
    expect(p.context.dlts).toEqual([]);
  });
});
