/**
 * The data step of migration 1764530000000 (one trial across versions), frozen as it was written:
 * it imports nothing from the live code, so a later change to the trial state or the protocols cannot
 * change what this migration did to a database. The types below are the stored trial state of that day.
 */

/** A `trials` row keyed by protocol and version, as stored before the migration. */
export interface VersionTrialRow {
  protocolId: string;
  protocolVersion: number;
  /** The trial state, JSON text. */
  state: string;
  version: number;
  updatedAt: string;
}

/** A `trials` row keyed by protocol alone, as stored after it. */
export interface TrialRow {
  protocolId: string;
  state: string;
  version: number;
  updatedAt: string;
}

interface Level {
  enrolled: number;
  evaluable: number;
  dlts: number;
}

interface Evaluation {
  n: number;
  level: number;
  dlt: boolean;
  lockedAt?: string;
}

interface Lock {
  level: number;
  signature: { signedAt: string };
}

/** The stored trial state of the day, every field optional: rows written before some fields existed lack them. */
interface StoredState {
  status?: string;
  enrolled?: number;
  currentDoseLevel?: number;
  levels?: Record<string, Level>;
  decisions?: unknown[];
  mtd?: number | null;
  lastInfusionAt?: string | null;
  pending?: Array<{ patientId: string; level: number; closesAt: string | null }>;
  evaluations?: Record<string, Evaluation>;
  holds?: unknown[];
  locks?: Lock[];
}

/** The protocols whose trials ran a dose escalation when this migration was written (NCT03754764: 3+3). */
const ESCALATION_PROTOCOLS: readonly string[] = ['NCT03754764'];

/** Why the migration stopped: an escalation it will not merge. Nothing was changed. */
export class TrialMergeRefused extends Error {}

/**
 * One row per protocol from the rows of its versions. A row still at version 1 was never saved after
 * it was created (every save adds one), so it holds nothing and gives way to one that moved. One row
 * that moved is kept as it is. Several that moved are merged only for a trial without dose
 * escalation: counts and slots added up in version order. An escalation trial whose versions moved
 * apart is refused, naming it: which decision stands, and which cohort a patient belonged to, is a
 * clinical call for the sponsor, never a guess of the migration.
 */
export function mergeTrialRows(rows: readonly VersionTrialRow[]): TrialRow[] {
  const byProtocol = new Map<string, VersionTrialRow[]>();
  for (const row of rows) byProtocol.set(row.protocolId, [...(byProtocol.get(row.protocolId) ?? []), row]);
  return [...byProtocol.keys()].sort().map((protocolId) =>
    mergeOneTrial(
      protocolId,
      byProtocol.get(protocolId)!.sort((a, b) => a.protocolVersion - b.protocolVersion),
    ),
  );
}

function mergeOneTrial(protocolId: string, rows: VersionTrialRow[]): TrialRow {
  const moved = rows.filter((r) => r.version > 1);
  const kept = (row: VersionTrialRow): TrialRow => ({ protocolId, state: row.state, version: row.version, updatedAt: row.updatedAt });
  if (!moved.length) return kept(rows.at(-1)!);
  if (moved.length === 1) return kept(moved[0]);
  const states = moved.map((r) => parseState(r));
  if (states.every((s) => JSON.stringify(s) === JSON.stringify(states[0]))) return kept(moved.at(-1)!);
  const versions = moved.map((r) => `v${r.protocolVersion}`).join(', ');
  if (ESCALATION_PROTOCOLS.includes(protocolId) || states.some(hasEscalated)) {
    throw new TrialMergeRefused(
      `The trial of ${protocolId} runs a dose escalation and its versions ${versions} have different trial states: ` +
        'the migration to one trial across versions will not merge escalation ledgers. Decide with the sponsor which ledger stands, ' +
        `leave that one row of ${protocolId} and set the others' version to 1 (never moved), then start again. Nothing was changed.`,
    );
  }
  return {
    protocolId,
    state: JSON.stringify(mergeCounts(states)),
    version: Math.max(...moved.map((r) => r.version)) + 1,
    updatedAt: moved
      .map((r) => r.updatedAt)
      .sort()
      .at(-1)!,
  };
}

function parseState(row: VersionTrialRow): StoredState {
  try {
    return JSON.parse(row.state) as StoredState;
  } catch {
    throw new TrialMergeRefused(`The trial state of ${row.protocolId} v${row.protocolVersion} is not JSON: the migration cannot read it. Nothing was changed.`);
  }
}

/** A trace only an escalation leaves: a decision, a hold, an MTD, a status other than open. */
const hasEscalated = (s: StoredState) => !!s.decisions?.length || !!s.holds?.length || (s.mtd ?? null) !== null || (s.status ?? 'open') !== 'open';

/**
 * The states of a trial without escalation, in version order, as one: enrolled and each level's
 * tallies added up, the slots awaiting evaluation and the evaluations of every version (a patient
 * found on two versions counted once, by the newer), the evaluations numbered again in version
 * order, the data locks in signing order, the last infusion the latest.
 */
function mergeCounts(states: StoredState[]): StoredState {
  const levels: Record<string, Level> = {};
  for (const s of states) {
    for (const [level, tally] of Object.entries(s.levels ?? {})) {
      const sum = levels[level] ?? { enrolled: 0, evaluable: 0, dlts: 0 };
      levels[level] = { enrolled: sum.enrolled + tally.enrolled, evaluable: sum.evaluable + tally.evaluable, dlts: sum.dlts + tally.dlts };
    }
  }
  const pending = new Map(states.flatMap((s) => (s.pending ?? []).map((p) => [p.patientId, p] as const)));
  const evaluated = new Map(states.flatMap((s) => Object.entries(s.evaluations ?? {}).sort(([, a], [, b]) => a.n - b.n)));
  const infusions = states.map((s) => s.lastInfusionAt ?? null).filter((at): at is string => at !== null);
  return {
    status: 'open',
    enrolled: states.reduce((sum, s) => sum + (s.enrolled ?? 0), 0),
    currentDoseLevel: states.at(-1)!.currentDoseLevel,
    levels: Object.fromEntries(Object.entries(levels).sort(([a], [b]) => Number(a) - Number(b))),
    decisions: [],
    mtd: null,
    lastInfusionAt: infusions.sort().at(-1) ?? null,
    pending: [...pending.values()],
    evaluations: Object.fromEntries([...evaluated.entries()].map(([patientId, e], i) => [patientId, { ...e, n: i + 1 }])),
    holds: [],
    locks: states.flatMap((s) => s.locks ?? []).sort((a, b) => a.signature.signedAt.localeCompare(b.signature.signedAt)),
  };
}

/**
 * The way back: each protocol's one row goes to the newest version that has patients (version 1 when
 * none has), and the other versions get no row (the engine of that day created theirs at start). The
 * split by version is not recovered: the whole trial stays on that one version.
 */
export function splitTrialRows(rows: readonly TrialRow[], newestVersionWithPatients: ReadonlyMap<string, number>): VersionTrialRow[] {
  return rows.map((row) => ({ ...row, protocolVersion: newestVersionWithPatients.get(row.protocolId) ?? 1 }));
}
