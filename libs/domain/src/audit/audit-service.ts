import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import type { PatientEntity, PatientEventEntity } from '../persistence/entities';
import { AuditRepository } from '../persistence/repositories/audit-repository';
import stableStringify from 'fast-json-stable-stringify';
import { protocolOf } from '../kernel/require-protocol';
import * as machine from '../kernel/machine-boundary';
import { verifyChain } from './hash-chain';
import { replayLog } from './replay';
import { type Actor, canSeeSite } from '../kernel/actor';
import { NotFoundError } from '../errors';
import type { CheckpointBody, CheckpointLog, SealedHead } from './checkpoint';
import { CheckpointService } from './checkpoint-service';

/** Patients whose logs are read in one query: bounds the memory a whole-trial check holds at once. */
const PATIENTS_PER_QUERY = 200;
/** Log entries read per query by the export. */
const ENTRIES_PER_PAGE = 1000;

type CheckedPatient = Pick<
  PatientEntity,
  'id' | 'subjectId' | 'siteId' | 'protocolId' | 'protocolVersion' | 'cohort' | 'state' | 'status' | 'snapshot' | 'version' | 'lastSeq' | 'lastHash' | 'day0' | 'doseLevel'
>;

/** A patient whose record does not hold, with the first thing wrong with it. */
export interface BrokenPatient {
  patientId: string;
  seq: number;
  problem: string;
}

export interface AuditAnswer {
  ok: boolean;
  patientsChecked: number;
  entriesChecked: number;
  /** The first of `broken` (by patient id), kept for the clients that read only it. */
  firstBroken: BrokenPatient | null;
  /** Every patient whose record does not hold, by patient id. */
  broken: BrokenPatient[];
  /** The latest checkpoint, which the logs were checked against; null before the first. */
  checkpoint: CheckpointBody | null;
  /** What is wrong with the checkpoint file itself (a line that does not hold); the checks used what came before it. */
  checkpointProblem: string | null;
}

/**
 * Checks the records of the patients the caller may see: each log's hash chain, the head the latest
 * checkpoint sealed for the patient, the patient row's head, snapshot and columns against the log,
 * and patients a checkpoint sealed that are no longer there. Names every patient that does not hold.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly rows: AuditRepository,
    private readonly checkpoints: CheckpointService,
  ) {}

  async verify(actor: Actor, patientId?: string): Promise<AuditAnswer> {
    const { log, problem: checkpointProblem } = this.checkpoints.state();
    const patients: CheckedPatient[] = await this.rows.patients({
      ...(patientId ? { id: patientId } : {}),
      ...(actor.siteIds === 'all' ? {} : { siteId: In(actor.siteIds) }),
    });
    // Patients a checkpoint sealed at the caller's sites that the database no longer has there.
    const found = new Set(patients.map((p) => p.id));
    const missing: BrokenPatient[] = [...log.heads.values()]
      .filter((h) => (!patientId || h.patientId === patientId) && canSeeSite(actor, h.siteId) && !found.has(h.patientId))
      .map((h) => ({
        patientId: h.patientId,
        seq: h.seq,
        problem: `checkpoint ${log.sealedIn.get(h.patientId)} sealed this patient at seq ${h.seq} at site ${h.siteId}, but it is not there in the database`,
      }));
    if (patientId && !patients.length && !missing.length) throw new NotFoundError(`Patient ${patientId} does not exist.`);
    const broken: BrokenPatient[] = [...missing];
    let entries = 0;
    for (let from = 0; from < patients.length; from += PATIENTS_PER_QUERY) {
      const batch = patients.slice(from, from + PATIENTS_PER_QUERY);
      const logs = await this.rows.logs({ patientId: In(batch.map((p) => p.id)) });
      for (const patient of batch) {
        const entriesOf = logs.get(patient.id) ?? [];
        entries += entriesOf.length;
        const problem = brokenEntry(patient, entriesOf, log);
        if (problem) broken.push({ patientId: patient.id, ...problem });
      }
    }
    broken.sort((a, b) => (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0));
    return {
      ok: !broken.length && !checkpointProblem,
      patientsChecked: patients.length,
      entriesChecked: entries,
      firstBroken: broken[0] ?? null,
      broken,
      checkpoint: log.latest ?? null,
      checkpointProblem: checkpointProblem ?? null,
    };
  }

  /**
   * Every log entry of every patient, by patient id then seq, as JSON lines holding every column its
   * hash seals (and `sealVersion`, `prevHash`, `hash`): with the checkpoint file and the verifier
   * key, all a sponsor needs to check the record (apps/verify-record). Read page by page.
   */
  async *exportLog(): AsyncGenerator<string> {
    let after: { patientId: string; seq: number } | undefined;
    for (;;) {
      const page = await this.rows.logPage(after, ENTRIES_PER_PAGE);
      for (const entry of page) yield `${JSON.stringify(entry)}\n`;
      if (page.length < ENTRIES_PER_PAGE) return;
      after = page[page.length - 1];
    }
  }
}

/**
 * The first thing wrong with one patient's record: a broken chain; a log that is not the one the
 * latest checkpoint sealed; a row head that is not the log's end; a snapshot the log does not give;
 * a row column that is not what the log says.
 */
function brokenEntry(patient: CheckedPatient, log: PatientEventEntity[], checkpoints: CheckpointLog): { seq: number; problem: string } | null {
  const broken = verifyChain(log);
  if (broken) return broken;
  const sealed = checkpoints.heads.get(patient.id);
  if (sealed) {
    const problem = checkpointProblem(sealed, checkpoints.sealedIn.get(patient.id)!, patient, log);
    if (problem) return problem;
  }
  // The patient row's head must be the log's last entry: a removed newest entry is caught here.
  const last = log.at(-1);
  if (!last || last.seq !== patient.lastSeq || last.hash !== patient.lastHash) {
    return { seq: (last?.seq ?? 0) + 1, problem: `the patient record ends at seq ${patient.lastSeq}, but the log ends at seq ${last?.seq ?? 0}` };
  }
  // The stored snapshot must be what replaying the log from registration gives. A record changed into
  // something the protocol cannot replay (an unknown protocol, data that is no object) is named, not a 500.
  try {
    // The log names the version it ends on (a migration moves it); the row's version is checked against it below.
    const { final, protocol } = replayLog(protocolOf(patient), log);
    const replayed = final && machine.persistSnapshot(protocol, final);
    // A snapshot stored while the off-study states were final is compared as the machine reads it now (ADR 0005).
    if (stableStringify(replayed) !== stableStringify(machine.currentSnapshot(protocol, patient.snapshot))) {
      return { seq: last.seq, problem: 'the stored snapshot differs from replaying the log' };
    }
    const column = columnProblem(patient, log, final!, `${protocol.id}@${protocol.version}`);
    return column ? { seq: last.seq, problem: column } : null;
  } catch (error) {
    return { seq: last.seq, problem: `the log cannot be replayed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Whether the log still holds the head the latest checkpoint sealed for the patient, at the same site. */
function checkpointProblem(sealed: SealedHead, number: number, patient: CheckedPatient, log: PatientEventEntity[]): { seq: number; problem: string } | null {
  const entry = log[sealed.seq - 1];
  if (!entry) return { seq: sealed.seq, problem: `checkpoint ${number} sealed seq ${sealed.seq}, but the log ends at seq ${log.length}` };
  if (entry.hash !== sealed.hash) {
    return { seq: sealed.seq, problem: `checkpoint ${number} sealed seq ${sealed.seq} as ${short(sealed.hash)}, but the log's entry ${sealed.seq} is ${short(entry.hash)}` };
  }
  if (patient.siteId !== sealed.siteId)
    return { seq: sealed.seq, problem: `checkpoint ${number} sealed this patient at site ${sealed.siteId}, but the patient record says ${patient.siteId}` };
  return null;
}

/** A column of the patient row that is not what the log says (registration for who and where, the replay for the rest, the protocol version included). */
function columnProblem(patient: CheckedPatient, log: PatientEventEntity[], final: NonNullable<ReturnType<typeof replayLog>['final']>, protocol: string): string | undefined {
  const registration = log[0].data as { protocol?: string; cohort?: string; siteId?: string; subjectId?: string };
  const context = machine.contextOf(final);
  const expected: Record<string, unknown> = {
    subject_id: registration.subjectId,
    site_id: registration.siteId,
    protocol,
    cohort: registration.cohort ?? null,
    state: machine.stateName(final),
    status: machine.isOffStudy(final) ? 'offStudy' : 'active',
    version: log.length,
    day0: context.infusion?.infusedAt ?? null,
    dose_level: context.enrollment?.doseLevel ?? null,
  };
  const actual: Record<string, unknown> = {
    subject_id: patient.subjectId,
    site_id: patient.siteId,
    protocol: `${patient.protocolId}@${patient.protocolVersion}`,
    cohort: patient.cohort,
    state: patient.state,
    status: patient.status,
    version: patient.version,
    day0: patient.day0,
    dose_level: patient.doseLevel,
  };
  const wrong = Object.keys(expected).find((column) => expected[column] !== actual[column]);
  return wrong && `the patient record's ${wrong} is ${JSON.stringify(actual[wrong])}, but the log gives ${JSON.stringify(expected[wrong])}`;
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}
