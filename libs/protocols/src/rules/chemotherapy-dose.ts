import { cappedBsa, mostellerBsa } from './bsa';

/** One agent of a lymphodepletion (preparative) regimen, dosed by body surface area. */
export interface LymphodepletionAgent {
  agent: string;
  mgPerM2: number;
  /** Days relative to the infusion (Day 0), e.g. `[-5, -4, -3]`. */
  days: number[];
  /** A ceiling on the daily dose, when the protocol sets one. */
  maxDailyMg?: number;
}

export interface LymphodepletionRegimen {
  agents: LymphodepletionAgent[];
  /** Doses are computed from at most this BSA, when the protocol sets a cap. */
  bsaCapM2?: number;
}

export interface AgentDose {
  agent: string;
  mgPerM2: number;
  days: number[];
  dailyMg: number;
  totalMg: number;
  /** True when the agent's `maxDailyMg` lowered the daily dose. */
  capped: boolean;
}

export interface LymphodepletionPlan {
  /** The BSA the doses are computed from (the cap when it applies). */
  bsaM2: number;
  /** The patient's own Mosteller BSA, before any cap. */
  measuredBsaM2: number;
  bsaCapped: boolean;
  agents: AgentDose[];
}

/** Daily dose = mg/m² × BSA, rounded to 1 decimal (Flu 30 mg/m² at 1.82 m² → 54.6 mg). */
export function dailyDoseMg(mgPerM2: number, bsaM2: number): number {
  if (!Number.isFinite(mgPerM2) || mgPerM2 <= 0) throw new RangeError(`dose must be a positive mg/m², got ${mgPerM2}`);
  if (!Number.isFinite(bsaM2) || bsaM2 <= 0) throw new RangeError(`body surface area must be a positive m², got ${bsaM2}`);
  return roundTo1Decimal(mgPerM2 * bsaM2);
}

/** The doses of each agent for one patient, from height and weight on the day lymphodepletion starts. */
export function lymphodepletionPlan(regimen: LymphodepletionRegimen, body: { heightCm: number; weightKg: number }): LymphodepletionPlan {
  const measuredBsaM2 = mostellerBsa(body.heightCm, body.weightKg);
  const { bsaM2, capped: bsaCapped } = cappedBsa(measuredBsaM2, regimen.bsaCapM2);
  return { bsaM2, measuredBsaM2, bsaCapped, agents: regimen.agents.map((agent) => agentDose(agent, bsaM2)) };
}

function agentDose(agent: LymphodepletionAgent, bsaM2: number): AgentDose {
  assertDays(agent);
  const byBsa = dailyDoseMg(agent.mgPerM2, bsaM2);
  const max = agent.maxDailyMg;
  if (max !== undefined && !(Number.isFinite(max) && max > 0)) {
    throw new RangeError(`${agent.agent} maximum daily dose must be a positive mg, got ${max}`);
  }
  const capped = max !== undefined && byBsa > max;
  const dailyMg = max !== undefined && capped ? max : byBsa;
  return {
    agent: agent.agent,
    mgPerM2: agent.mgPerM2,
    days: [...agent.days],
    dailyMg,
    totalMg: roundTo1Decimal(dailyMg * agent.days.length),
    capped,
  };
}

function assertDays(agent: LymphodepletionAgent): void {
  const { days } = agent;
  if (days.length === 0) throw new RangeError(`${agent.agent} has no dosing days`);
  if (!days.every(Number.isInteger)) throw new RangeError(`${agent.agent} dosing days must be whole days, got ${days.join(', ')}`);
  if (new Set(days).size !== days.length) throw new RangeError(`${agent.agent} lists a dosing day twice: ${days.join(', ')}`);
}

function roundTo1Decimal(value: number): number {
  return Math.round((value + Number.EPSILON) * 10) / 10;
}
