import { dailyDoseMg, lymphodepletionPlan } from './chemotherapy-dose';
import type { LymphodepletionRegimen } from './chemotherapy-dose';

/** Fludarabine 30 mg/m² and cyclophosphamide 300 mg/m², day −5 to −3 (the CD19 R/R ALL trial). */
const fluCy: LymphodepletionRegimen = {
  agents: [
    { agent: 'fludarabine', mgPerM2: 30, days: [-5, -4, -3] },
    { agent: 'cyclophosphamide', mgPerM2: 300, days: [-5, -4, -3] },
  ],
};

describe('chemotherapy daily dose', () => {
  it('gives the published examples at 1.82 m²', () => {
    expect(dailyDoseMg(30, 1.82)).toBe(54.6);
    expect(dailyDoseMg(300, 1.82)).toBe(546);
  });

  it('rounds to 1 decimal', () => {
    expect(dailyDoseMg(25, 1.77)).toBe(44.3); // 44.25
    expect(dailyDoseMg(30, 1.63)).toBe(48.9);
  });

  it('rounds a dose exactly half-way up', () => {
    // 25 × 0.05 = 1.25 exactly: written 1.3 mg, never 1.2.
    expect(dailyDoseMg(25, 0.05)).toBe(1.3);
  });

  it('refuses a non-positive dose or BSA', () => {
    expect(() => dailyDoseMg(0, 1.82)).toThrow(RangeError);
    expect(() => dailyDoseMg(30, -1)).toThrow(RangeError);
    expect(() => dailyDoseMg(Number.NaN, 1.82)).toThrow(RangeError);
    expect(() => dailyDoseMg(0, 1.82)).toThrow(new RangeError('dose must be a positive mg/m², got 0'));
    expect(() => dailyDoseMg(30, 0)).toThrow(new RangeError('body surface area must be a positive m², got 0'));
  });
});

describe('lymphodepletion plan', () => {
  it('doses Flu/Cy for 170 cm and 70 kg', () => {
    expect(lymphodepletionPlan(fluCy, { heightCm: 170, weightKg: 70 })).toEqual({
      bsaM2: 1.82,
      measuredBsaM2: 1.82,
      bsaCapped: false,
      agents: [
        { agent: 'fludarabine', mgPerM2: 30, days: [-5, -4, -3], dailyMg: 54.6, totalMg: 163.8, capped: false },
        { agent: 'cyclophosphamide', mgPerM2: 300, days: [-5, -4, -3], dailyMg: 546, totalMg: 1638, capped: false },
      ],
    });
  });

  it('doses from the capped BSA when the protocol caps it', () => {
    const plan = lymphodepletionPlan({ ...fluCy, bsaCapM2: 2 }, { heightCm: 190, weightKg: 110 }); // 2.41 m²
    expect(plan).toMatchObject({ bsaM2: 2, measuredBsaM2: 2.41, bsaCapped: true });
    expect(plan.agents.map((a) => a.dailyMg)).toEqual([60, 600]);
  });

  it("lowers a daily dose to the agent's maximum", () => {
    const regimen: LymphodepletionRegimen = {
      agents: [{ agent: 'fludarabine', mgPerM2: 30, days: [-4, -3], maxDailyMg: 50 }],
    };
    expect(lymphodepletionPlan(regimen, { heightCm: 170, weightKg: 70 }).agents[0]).toMatchObject({
      dailyMg: 50,
      totalMg: 100,
      capped: true,
    });
    const atTheMaximum = { agents: [{ ...regimen.agents[0], maxDailyMg: 54.6 }] };
    expect(lymphodepletionPlan(atTheMaximum, { heightCm: 170, weightKg: 70 }).agents[0]).toMatchObject({
      dailyMg: 54.6,
      capped: false,
    });
    const underTheMaximum = { agents: [{ ...regimen.agents[0], maxDailyMg: 60 }] };
    expect(lymphodepletionPlan(underTheMaximum, { heightCm: 170, weightKg: 70 }).agents[0]).toMatchObject({
      dailyMg: 54.6,
      totalMg: 109.2,
      capped: false,
    });
  });

  it('refuses an agent without days, with a repeated or fractional day, or a bad maximum', () => {
    const body = { heightCm: 170, weightKg: 70 };
    const agent = fluCy.agents[0];
    expect(() => lymphodepletionPlan({ agents: [{ ...agent, days: [] }] }, body)).toThrow(/no dosing days/);
    expect(() => lymphodepletionPlan({ agents: [{ ...agent, days: [-5, -5] }] }, body)).toThrow(/twice/);
    expect(() => lymphodepletionPlan({ agents: [{ ...agent, days: [-4.5] }] }, body)).toThrow(/whole days/);
    expect(() => lymphodepletionPlan({ agents: [{ ...agent, maxDailyMg: 0 }] }, body)).toThrow(RangeError);
    expect(() => lymphodepletionPlan({ agents: [{ ...agent, days: [-5, -4.5] }] }, body)).toThrow(new RangeError('fludarabine dosing days must be whole days, got -5, -4.5'));
    expect(() => lymphodepletionPlan({ agents: [{ ...agent, days: [-5, -4, -5] }] }, body)).toThrow(new RangeError('fludarabine lists a dosing day twice: -5, -4, -5'));
    expect(() => lymphodepletionPlan({ agents: [{ ...agent, maxDailyMg: -1 }] }, body)).toThrow(new RangeError('fludarabine maximum daily dose must be a positive mg, got -1'));
  });

  it('refuses impossible body measurements', () => {
    expect(() => lymphodepletionPlan(fluCy, { heightCm: 0, weightKg: 70 })).toThrow(RangeError);
  });
});
