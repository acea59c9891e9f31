import { checkEscalationInput, describeDlts, tallyAt, type EscalationAction, type EscalationDecision, type LevelTally } from './dose-escalation';

const COHORT_SIZE = 3;
const EXPANDED_SIZE = 6;
/** DLTs at a level that show it exceeds the MTD. */
const TOO_TOXIC = 2;

/**
 * The classic 3+3 rule (docs/clinical.md, section "Dose escalation"; Storer, Biometrics 1989; Le Tourneau, Lee &
 * Siu, J Natl Cancer Inst 2009, "Dose escalation methods in phase I cancer clinical trials"), called after each cohort's DLT windows
 * have closed, with the tallies of every level so far, the level the last cohort was given and the
 * protocol's levels, lowest first.
 *
 * - 0 of 3 with a DLT: escalate; at the highest level, treat 3 more there.
 * - 1 of 3: treat 3 more at the same level.
 * - At most 1 of 6: escalate; at the highest level, or when the next level already had 2 or more
 *   DLTs, this level is the MTD.
 * - 2 or more DLTs at a level: it exceeds the MTD, and so do the levels above it. The MTD is the
 *   next lower level once it has 6 evaluable patients with at most 1 DLT: de-escalate there to
 *   treat 3 more when it has fewer. At the lowest level the trial stops without an MTD.
 *
 * Until 3 (or 6) patients at the current level are evaluable the answer is to stay and wait, except
 * that a second DLT settles it at once: no further patient is given a level known to be too toxic.
 */
export function threePlusThree(tallies: readonly LevelTally[], current: number, levels: readonly number[]): EscalationDecision {
  checkEscalationInput(tallies, current, levels);
  for (const { level, treated } of tallies) {
    if (treated > EXPANDED_SIZE) {
      throw new RangeError(`3+3 treats at most ${EXPANDED_SIZE} patients at a level; level ${level} has ${treated}`);
    }
  }
  const overMtd = levels.find((level) => tallyAt(tallies, level).dlts >= TOO_TOXIC);
  const eliminated = overMtd === undefined ? [] : levels.filter((level) => level >= overMtd);
  const decide = (action: EscalationAction, nextLevel: number | null, mtd: number | null, reason: string): EscalationDecision => ({
    action,
    nextLevel,
    mtd,
    eliminated,
    reason,
  });
  const wait = (reason: string): EscalationDecision => ({ ...decide('stay', current, null, reason), awaiting: true });

  if (overMtd !== undefined && current >= overMtd) {
    const toxic = tallyAt(tallies, overMtd);
    const lower = levels[levels.indexOf(overMtd) - 1];
    const exceeds = `${describeDlts(toxic)}, so it exceeds the MTD`;
    if (lower === undefined) return decide('stop', null, null, `${exceeds} and is the lowest level: stop the trial, no MTD`);
    const below = tallyAt(tallies, lower);
    if (below.treated === EXPANDED_SIZE) {
      return decide('mtd-found', null, lower, `${exceeds}; ${describeDlts(below)}: level ${lower} is the MTD`);
    }
    const more = EXPANDED_SIZE - below.treated;
    return decide(
      'de-escalate',
      lower,
      null,
      `${exceeds}: de-escalate to level ${lower} and treat ${more} more ${more === 1 ? 'patient' : 'patients'} there ` +
        `(it has ${below.treated} evaluable of the ${EXPANDED_SIZE} an MTD needs)`,
    );
  }

  const here = tallyAt(tallies, current);
  if (here.treated !== COHORT_SIZE && here.treated !== EXPANDED_SIZE) {
    const awaited = here.treated < COHORT_SIZE ? COHORT_SIZE : EXPANDED_SIZE;
    return wait(
      `${here.treated} of the ${awaited} patients at level ${current} are evaluable so far (${here.dlts} with a DLT): ` + 'wait for the rest of the cohort before deciding',
    );
  }

  const above = levels[levels.indexOf(current) + 1];
  const counts = describeDlts(here);
  if (here.treated === COHORT_SIZE) {
    if (here.dlts === 1) return decide('stay', current, null, `${counts}: treat 3 more patients at level ${current}`);
    if (above === undefined) {
      return decide('stay', current, null, `${counts} and it is the highest level: treat 3 more patients at level ${current}`);
    }
    if (above === overMtd) {
      return decide('stay', current, null, `${counts} and level ${above} exceeds the MTD: treat 3 more patients at level ${current} before naming it the MTD`);
    }
    return decide('escalate', above, null, `${counts}: escalate to level ${above}`);
  }

  if (above === undefined) return decide('mtd-found', null, current, `${counts} and it is the highest level: level ${current} is the MTD`);
  if (above === overMtd) {
    return decide('mtd-found', null, current, `${counts} and level ${above} exceeds the MTD: level ${current} is the MTD`);
  }
  return decide('escalate', above, null, `${counts}: escalate to level ${above}`);
}
