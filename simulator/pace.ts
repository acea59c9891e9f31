import type { LifecycleSpec } from '#protocols';
import { MAX_DAYS_PER_SECOND } from './options';
import { round } from './random';

/** Simulated days from registration to infusion, with some waiting: screening, enrollment, manufacturing, lymphodepletion. */
const PREPARATION_DAYS = 40;
/** Real seconds a run with the default speed aims at. */
const TARGET_SECONDS = 60;

/** Days between arrivals: a week, or on a dose-finding trial a cohort's cycle (infusions staggered, DLT window, manufacturing) per patient. */
export function arrivalIntervalDays(spec: Pick<LifecycleSpec, 'doseEscalation' | 'dlt'>): number {
  const e = spec.doseEscalation;
  if (!e) return 7;
  return ((e.staggerDays ?? 0) * (e.cohortSize - 1) + spec.dlt.windowDays + 30) / e.cohortSize;
}

/** How many study days a run should take: arrivals, preparation, and the longest follow-up. */
export function expectedStudyDays(spec: LifecycleSpec, patients: number, cohort: string | null): number {
  const cohorts = cohort ? [cohort] : spec.cohorts?.length ? spec.cohorts.map((c) => c.id) : [null];
  const followUp = Math.max(...cohorts.map((c) => spec.cohorts?.find((x) => x.id === c)?.followUpDays ?? spec.followUpDays));
  return 1 + (patients - 1) * arrivalIntervalDays(spec) + PREPARATION_DAYS + followUp;
}

/** The default speed: the expected study days in about TARGET_SECONDS. */
export function defaultDaysPerSecond(studyDays: number): number {
  return Math.min(MAX_DAYS_PER_SECOND, Math.max(1, round(studyDays / TARGET_SECONDS, 1)));
}
