import { leafHash, MerkleFrontier } from './merkle';
import { NoteError, type NoteSigner, type NoteVerifier, openNote, signNote } from './signed-note';

/**
 * Checkpoints of the patients' hash chains: what a database administrator cannot rewrite.
 *
 * Every checkpoint appends to one RFC 6962 Merkle tree a leaf per patient whose chain head moved
 * since the previous checkpoint, `<patientId> <siteId> <seq> <hash>` (the head: the seq and hash of
 * the patient's last log entry), and signs the new tree head as a C2SP tlog-checkpoint, a signed
 * note whose text is
 *
 *     <origin>
 *     <tree size: leaves so far>
 *     <base64 root hash>
 *     checkpoint <number, from 1>
 *     issued <ISO 8601 instant>
 *     patients <patients sealed>
 *     entries <log entries sealed: the sum of their heads' seq>
 *
 * The tree only grows, so each checkpoint's tree holds the previous one's (the RFC 6962 log
 * property), and a patient's latest leaf is the head it was last sealed at. A checkpoint file holds
 * one JSON line per checkpoint: `{ checkpoint, note, leaves }` (the leaves it appended), so the file
 * alone rebuilds every tree head and every sealed head. Nothing here touches a database or a disk.
 */

/** A patient's chain head as a checkpoint seals it. */
export interface SealedHead {
  patientId: string;
  siteId: string;
  seq: number;
  hash: string;
}

export interface CheckpointBody {
  origin: string;
  treeSize: number;
  /** Hex SHA-256. */
  rootHash: string;
  number: number;
  issuedAt: string;
  patients: number;
  entries: number;
}

/** One line of a checkpoint file. */
export interface CheckpointRecord {
  checkpoint: number;
  /** The signed note of the checkpoint's text. */
  note: string;
  /** The leaves this checkpoint appended, in tree order (by patient id). */
  leaves: string[];
}

const LEAF = /^(\S{1,60}) ([A-Za-z0-9._-]{1,60}) ([1-9]\d{0,9}) ([0-9a-f]{64})$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function leafLine(head: SealedHead): string {
  return `${head.patientId} ${head.siteId} ${head.seq} ${head.hash}`;
}

export function parseLeafLine(line: string): SealedHead {
  const match = LEAF.exec(line);
  if (!match) throw new CheckpointError(`not a leaf "<patientId> <siteId> <seq> <hash>": ${line.slice(0, 200)}`);
  return { patientId: match[1], siteId: match[2], seq: Number(match[3]), hash: match[4] };
}

export function checkpointText(body: CheckpointBody): string {
  const root = Buffer.from(body.rootHash, 'hex').toString('base64');
  return `${body.origin}\n${body.treeSize}\n${root}\ncheckpoint ${body.number}\nissued ${body.issuedAt}\npatients ${body.patients}\nentries ${body.entries}\n`;
}

export function parseCheckpointText(text: string): CheckpointBody {
  const lines = text.split('\n');
  const [origin, size, root, ...extensions] = lines.slice(0, -1);
  const field = (name: string) => {
    const line = extensions.find((l) => l.startsWith(`${name} `));
    if (!line) throw new CheckpointError(`the checkpoint has no "${name}" line`);
    return line.slice(name.length + 1);
  };
  const count = (value: string, what: string) => {
    if (!/^(0|[1-9]\d{0,14})$/.test(value)) throw new CheckpointError(`the checkpoint's ${what} is not a count: ${value}`);
    return Number(value);
  };
  const rootHash = Buffer.from(root ?? '', 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) throw new CheckpointError("the checkpoint's root hash is not 32 bytes of base64");
  const issuedAt = field('issued');
  if (!ISO_INSTANT.test(issuedAt) || Number.isNaN(Date.parse(issuedAt))) throw new CheckpointError(`the checkpoint's issue time is not an instant: ${issuedAt}`);
  return {
    origin,
    treeSize: count(size ?? '', 'tree size'),
    rootHash: rootHash.toString('hex'),
    number: count(field('checkpoint'), 'number'),
    issuedAt,
    patients: count(field('patients'), 'patient count'),
    entries: count(field('entries'), 'entry count'),
  };
}

export class CheckpointError extends Error {}

/**
 * The checkpoints of a file, replayed and checked line by line: each note signed by the expected
 * key, numbered in turn, issued no earlier than the one before, its leaves moving each patient's
 * head forward at the same site, and its tree size, root, patient and entry counts what the leaves
 * so far give. The first line that fails stops the replay and is named in `problem`; what came
 * before it stands.
 */
export class CheckpointLog {
  readonly checkpoints: CheckpointBody[] = [];
  /** The signed note of each checkpoint, in order. */
  readonly notes: string[] = [];
  /** Each sealed patient's latest head. */
  readonly heads = new Map<string, SealedHead>();
  /** The checkpoint that sealed each patient's latest head. */
  readonly sealedIn = new Map<string, number>();
  problem?: string;
  private frontier = new MerkleFrontier();
  private entries = 0;

  constructor(readonly verifier: NoteVerifier) {}

  get latest(): CheckpointBody | undefined {
    return this.checkpoints.at(-1);
  }

  /** Replays one line of the file; false (and `problem` set) when it does not hold. */
  add(line: string): boolean {
    if (this.problem) return false;
    const number = this.checkpoints.length + 1;
    try {
      this.apply(parseRecord(line, number));
      return true;
    } catch (error) {
      if (!(error instanceof CheckpointError || error instanceof NoteError)) throw error;
      this.problem = `checkpoint ${number} (line ${number} of the checkpoint file): ${error.message}`;
      return false;
    }
  }

  /**
   * The next checkpoint, sealing these heads (each a patient's head that moved since its last leaf),
   * signed; it is applied to this log too. The caller writes the line where it is kept.
   */
  next(heads: SealedHead[], issuedAt: string, signer: NoteSigner): { body: CheckpointBody; line: string } {
    if (this.problem) throw new CheckpointError(`the checkpoint file does not hold, so it is not extended: ${this.problem}`);
    const leaves = [...heads].sort((a, b) => (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0)).map(leafLine);
    const previous = this.latest?.issuedAt;
    const { body } = this.grow(leaves, {
      origin: signer.name,
      number: this.checkpoints.length + 1,
      issuedAt: previous && previous > issuedAt ? previous : issuedAt,
    });
    const record: CheckpointRecord = { checkpoint: body.number, note: signNote(checkpointText(body), signer), leaves };
    this.apply(record);
    return { body, line: JSON.stringify(record) };
  }

  private apply(record: CheckpointRecord): void {
    const body = parseCheckpointText(openNote(record.note, this.verifier));
    if (body.origin !== this.verifier.name) throw new CheckpointError(`the origin is ${body.origin}, not ${this.verifier.name}`);
    if (body.number !== record.checkpoint) throw new CheckpointError(`the note is checkpoint ${body.number}, the line says ${record.checkpoint}`);
    const previous = this.latest?.issuedAt;
    if (previous && body.issuedAt < previous) throw new CheckpointError(`issued ${body.issuedAt}, before checkpoint ${body.number - 1} (${previous})`);
    const grown = this.grow(record.leaves, body);
    for (const key of ['treeSize', 'rootHash', 'patients', 'entries'] as const) {
      if (grown.body[key] !== body[key]) throw new CheckpointError(`its ${key} is ${body[key]}, but its leaves give ${grown.body[key]}`);
    }
    this.frontier = grown.frontier;
    this.entries = grown.body.entries;
    for (const [id, head] of grown.moved) {
      this.heads.set(id, head);
      this.sealedIn.set(id, body.number);
    }
    this.checkpoints.push(body);
    this.notes.push(record.note);
  }

  /** What appending these leaves gives, this log left as it is: the body, the new frontier, the heads that moved. */
  private grow(leaves: readonly string[], header: Pick<CheckpointBody, 'origin' | 'number' | 'issuedAt'>) {
    const frontier = this.frontier.clone();
    const moved = new Map<string, SealedHead>();
    let entries = this.entries;
    let previousId = '';
    for (const line of leaves) {
      const head = parseLeafLine(line);
      if (head.patientId <= previousId) throw new CheckpointError(`its leaves are not in patient id order, each patient once (${head.patientId})`);
      previousId = head.patientId;
      const before = this.heads.get(head.patientId);
      if (before && head.seq <= before.seq) throw new CheckpointError(`patient ${head.patientId} goes back from seq ${before.seq} to ${head.seq}`);
      if (before && head.siteId !== before.siteId) throw new CheckpointError(`patient ${head.patientId} moves from site ${before.siteId} to ${head.siteId}`);
      frontier.append(leafHash(line));
      entries += head.seq - (before?.seq ?? 0);
      moved.set(head.patientId, head);
    }
    const patients = this.heads.size + [...moved.keys()].filter((id) => !this.heads.has(id)).length;
    const body: CheckpointBody = { ...header, treeSize: frontier.size, rootHash: frontier.root().toString('hex'), patients, entries };
    return { body, frontier, moved };
  }
}

function parseRecord(line: string, number: number): CheckpointRecord {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    throw new CheckpointError('the line is not JSON');
  }
  const r = record as Partial<CheckpointRecord>;
  if (typeof r !== 'object' || r === null || typeof r.note !== 'string' || !Array.isArray(r.leaves) || r.leaves.some((l) => typeof l !== 'string')) {
    throw new CheckpointError('the line is not { checkpoint, note, leaves }');
  }
  if (r.checkpoint !== number) throw new CheckpointError(`the line is numbered ${r.checkpoint}`);
  return { checkpoint: number, note: r.note, leaves: r.leaves };
}
