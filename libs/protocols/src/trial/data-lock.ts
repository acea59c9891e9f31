import type { LifecycleSpec } from '../lifecycle/spec';
import { type DataLock, levelRecord, type TrialSignature, type TrialState } from './trial-state';

const fmtDate = (at: string) => at.slice(0, 10);

/**
 * Why a level's DLT data cannot be locked now (one sentence each; empty when they can): a patient of
 * the level still awaits evaluation (a lock is of a cohort's complete data), no patient there has been
 * evaluated, or everything evaluated there is locked already.
 */
export function dataLockRefusals(spec: LifecycleSpec, state: TrialState, level: number): string[] {
  if (!spec.doseLevels.some((d) => d.level === level)) {
    return [`dose level ${level} is not one of this protocol's levels (${spec.doseLevels.map((d) => d.level).join(', ')})`];
  }
  const waiting = state.pending.filter((p) => p.level === level);
  if (waiting.length) {
    const closes = waiting
      .map((p) => p.closesAt)
      .filter((at): at is string => at !== null)
      .sort();
    const when = closes.length === waiting.length ? `the last DLT window there closes on ${fmtDate(closes.at(-1)!)}` : 'not all of them are infused yet';
    return [
      `${waiting.length} ${waiting.length === 1 ? 'patient' : 'patients'} at dose level ${level} still ${waiting.length === 1 ? 'awaits' : 'await'} DLT evaluation (${when}): lock the level's data once every DLT window there has closed`,
    ];
  }
  const evaluated = Object.values(state.evaluations).filter((e) => e.level === level);
  if (!evaluated.length) return [`no patient at dose level ${level} has been evaluated yet: there are no DLT data to lock`];
  if (evaluated.every((e) => e.lockedAt)) {
    const last = state.locks.filter((l) => l.level === level).at(-1);
    return [`the DLT data of dose level ${level} are already locked${last ? ` (on ${fmtDate(last.signature.signedAt)} by ${last.signature.signerName})` : ''}`];
  }
  return [];
}

/**
 * Locks the DLT data of every patient evaluated at a level: their calls are final. From then on an
 * adjudication of one of them is refused, and a DLT reported late for one of them is recorded with the
 * patient but changes neither the level's tally nor any decision. Patients evaluated there later
 * (an expansion cohort) are not covered until the level is locked again.
 */
export function lockLevelData(state: TrialState, level: number, signature: TrialSignature): TrialState {
  const evaluations = Object.fromEntries(Object.entries(state.evaluations).map(([id, e]) => [id, e.level === level && !e.lockedAt ? { ...e, lockedAt: signature.signedAt } : e]));
  const { evaluable, dlts } = levelRecord(state, level);
  return { ...state, evaluations, locks: [...state.locks, { level, evaluations: evaluable, dlts, signature }] };
}

/**
 * The lock of a level's DLT data signed on or after `at`: a patient of the level who left the study
 * during its DLT window before then, unevaluated, was final as not evaluable when the data were locked.
 */
export function lockSince(state: TrialState, level: number, at: string): DataLock | undefined {
  return state.locks.find((l) => l.level === level && l.signature.signedAt >= at);
}

/** Why a hold cannot be released (it already was); empty when it can. */
export function releaseRefusals(state: TrialState, holdId: number): string[] {
  const hold = state.holds.find((h) => h.id === holdId);
  return hold?.released ? [`hold ${holdId} was already released on ${fmtDate(hold.released.signedAt)} by ${hold.released.signerName}`] : [];
}

/** Releases a hold: enrollment at its levels follows the revised decision again. */
export function releaseHold(state: TrialState, holdId: number, signature: TrialSignature): TrialState {
  return { ...state, holds: state.holds.map((h) => (h.id === holdId ? { ...h, released: signature } : h)) };
}
