import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Mutex } from 'async-mutex';
import { type EntityManager, MoreThanOrEqual } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Clock } from '../kernel/clock';
import { PatientEntity, PatientEventEntity } from '../persistence/entities';
import { TransactionRunner } from '../persistence/transaction-runner';
import { type CheckpointBody, CheckpointLog, type SealedHead } from './checkpoint';
import { CheckpointFile } from './checkpoint-file';
import { CheckpointKey } from './checkpoint-key';
import { verifyChain } from './hash-chain';
import { readLogs } from '../persistence/tolerant-reads';
import { RefusedError } from '../errors';

/** Patients whose new log entries are read in one query. */
const PATIENTS_PER_QUERY = 100;
/** Checkpoints the webhook is sent per run at most (the rest go on the next run). */
const DELIVERIES_PER_RUN = 50;
/** Held patients named one by one in the log per run (the rest are counted). */
const HELD_LOGGED = 20;
/** Serialises checkpoint makers across processes on PostgreSQL (pg_advisory_lock's key: "cart-ckp"). */
const ADVISORY_LOCK = 0x636b70;

export interface CheckpointSummary extends CheckpointBody {
  /** The signed note of the checkpoint: the digest a sponsor keeps. */
  note: string;
}

/** A patient a checkpoint did not seal, because its log no longer extends the head sealed before (or is broken). */
export interface HeldPatient {
  patientId: string;
  siteId: string;
  problem: string;
}

export interface CheckpointOutcome {
  /** False when no chain head moved since the last checkpoint: nothing new to seal, no new checkpoint. */
  created: boolean;
  checkpoint: CheckpointSummary | null;
  /** Chain heads the new checkpoint sealed. */
  sealed: number;
  held: HeldPatient[];
}

/** The checkpoints as the file holds them, replayed and checked, and what is wrong with the file if anything. */
export interface CheckpointState {
  log: CheckpointLog;
  /** The first thing wrong with the file: a line that does not hold, or an incomplete last line. */
  problem?: string;
}

type Head = Pick<PatientEntity, 'id' | 'siteId' | 'lastSeq' | 'lastHash'>;

/**
 * Makes and reads the checkpoints (checkpoint.ts). A checkpoint seals the chain head of each patient
 * whose head moved since it was last sealed, but only if the log still extends that earlier head
 * entry by entry (or, for a patient sealed for the first time, holds from registration): a history
 * rewritten in the database after it was sealed is never sealed again, and /audit/verify names it.
 */
@Injectable()
export class CheckpointService {
  private readonly logger = new Logger(CheckpointService.name);
  private readonly maker = new Mutex();
  private cache?: { length: number; digest: string; log: CheckpointLog };

  constructor(
    private readonly tx: TransactionRunner,
    private readonly key: CheckpointKey,
    private readonly file: CheckpointFile,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The checkpoint file replayed (incrementally: the lines already checked are not checked again while the file only grows). */
  state(): CheckpointState {
    const text = this.file.read();
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const cached = this.cache;
    let log: CheckpointLog;
    let from: number;
    if (cached && complete.length >= cached.length && digest(complete.slice(0, cached.length)) === cached.digest) {
      log = cached.log;
      from = cached.length;
    } else {
      log = new CheckpointLog(this.key.verifier);
      from = 0;
    }
    for (const line of complete.slice(from).split('\n').slice(0, -1)) log.add(line);
    this.cache = { length: complete.length, digest: digest(complete), log };
    const torn = text.length > complete.length ? `the checkpoint file ends in an incomplete line (after checkpoint ${log.checkpoints.length})` : undefined;
    return { log, problem: log.problem ?? torn };
  }

  /** The latest checkpoint that holds, with its signed note; null before the first. */
  latest(): CheckpointSummary | null {
    return summaryOf(this.state().log);
  }

  /** The checkpoint file as it is on disk. */
  export(): string {
    return this.file.read();
  }

  /** Seals every chain head that moved since the last checkpoint, if any did; then sends the webhook what it has not had. */
  async checkpoint(): Promise<CheckpointOutcome> {
    const outcome = await this.maker.runExclusive(() => this.tx.dialect.readSnapshot(ADVISORY_LOCK, (manager) => this.make(manager)));
    for (const held of outcome.held.slice(0, HELD_LOGGED)) this.logger.error(`Patient ${held.patientId} is not sealed: ${held.problem}. Run /audit/verify.`);
    if (outcome.held.length > HELD_LOGGED) this.logger.error(`${outcome.held.length - HELD_LOGGED} more patients are not sealed. Run /audit/verify.`);
    if (outcome.created) this.logger.log(`Checkpoint ${outcome.checkpoint!.number}: ${outcome.sealed} chain heads sealed, root ${outcome.checkpoint!.rootHash}`);
    await this.deliver();
    return outcome;
  }

  private async make(manager: EntityManager): Promise<CheckpointOutcome> {
    const { log, problem } = this.state();
    if (problem) throw new RefusedError('No checkpoint made', [`the checkpoint file ${this.file.path} does not hold, so nothing is added to it: ${problem}`]);
    const heads = await manager.getRepository(PatientEntity).find({ select: { id: true, siteId: true, lastSeq: true, lastHash: true }, order: { id: 'ASC' } });
    const held: HeldPatient[] = [];
    const present = new Set(heads.map((h) => h.id));
    for (const [patientId, sealed] of log.heads) {
      if (!present.has(patientId))
        held.push({
          patientId,
          siteId: sealed.siteId,
          problem: `it was sealed at seq ${sealed.seq} by checkpoint ${log.sealedIn.get(patientId)} but is no longer in the database`,
        });
    }
    const moved = heads.filter((h) => {
      const sealed = log.heads.get(h.id);
      return !sealed || sealed.seq !== h.lastSeq || sealed.hash !== h.lastHash || sealed.siteId !== h.siteId;
    });
    const sealable: SealedHead[] = [];
    for (let i = 0; i < moved.length; i += PATIENTS_PER_QUERY) {
      const batch = moved.slice(i, i + PATIENTS_PER_QUERY);
      // Each patient's log from its sealed head on (from registration if it was never sealed).
      const logs = await readLogs(
        manager,
        batch.map((h) => ({ patientId: h.id, seq: MoreThanOrEqual(log.heads.get(h.id)?.seq ?? 1) })),
      );
      for (const head of batch) {
        const problem = extensionProblem(head, log.heads.get(head.id), logs.get(head.id) ?? []);
        if (problem) held.push({ patientId: head.id, siteId: head.siteId, problem });
        else sealable.push({ patientId: head.id, siteId: head.siteId, seq: head.lastSeq, hash: head.lastHash });
      }
    }
    if (!sealable.length) return { created: false, checkpoint: summaryOf(log), sealed: 0, held };
    const { line } = log.next(sealable, this.clock.now().toISOString(), this.key.signer);
    this.file.append(line);
    // The cached log already holds the new line (next() applied it): the cache now stands for the file with it.
    const text = this.file.read();
    this.cache = { length: text.length, digest: digest(text), log };
    return { created: true, checkpoint: summaryOf(log), sealed: sealable.length, held };
  }

  /** POSTs to CHECKPOINT_WEBHOOK_URL each checkpoint it has not taken yet, in order; a failure waits for the next run. */
  private async deliver(): Promise<void> {
    const url = this.config.checkpoint.webhookUrl;
    if (!url) return;
    const lines = this.file.read().split('\n').filter(Boolean);
    const { log } = this.state();
    const upTo = Math.min(log.checkpoints.length, this.file.delivered() + DELIVERIES_PER_RUN);
    for (let n = this.file.delivered() + 1; n <= upTo; n++) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Checkpoint': String(n) },
          body: lines[n - 1],
          redirect: 'error',
          signal: AbortSignal.timeout(this.config.webhook.timeoutMs),
        });
        if (!response.ok) throw new Error(`it answered ${response.status}`);
      } catch (error) {
        this.logger.warn(`Checkpoint ${n} not sent to ${new URL(url).origin}: ${(error as Error).message}; it is sent again with the next checkpoint run.`);
        return;
      }
      this.file.markDelivered(n);
    }
  }
}

/**
 * Why a patient's head cannot be sealed: its log does not run unbroken from the head sealed before
 * (or from registration) to the head the patient row names, or it changed site. Undefined: it can.
 */
export function extensionProblem(head: Head, sealed: SealedHead | undefined, entries: PatientEventEntity[]): string | undefined {
  const upToHead = entries.filter((e) => e.seq <= head.lastSeq);
  if (sealed) {
    if (head.siteId !== sealed.siteId) return `it was sealed at site ${sealed.siteId} and is now at site ${head.siteId}`;
    if (head.lastSeq <= sealed.seq) return `its head is seq ${head.lastSeq}, but seq ${sealed.seq} was sealed with hash ${sealed.hash}`;
    const [anchor, ...rest] = upToHead;
    if (!anchor || anchor.seq !== sealed.seq || anchor.hash !== sealed.hash) {
      return `its log no longer holds the entry ${sealed.seq} sealed with hash ${sealed.hash}`;
    }
    const broken = verifyChain(rest, { seq: anchor.seq, hash: anchor.hash, sealVersion: anchor.sealVersion });
    if (broken) return `entry ${broken.seq}: ${broken.problem}`;
  } else {
    const broken = verifyChain(upToHead);
    if (broken) return `entry ${broken.seq}: ${broken.problem}`;
  }
  const last = upToHead.at(-1);
  if (!last || last.seq !== head.lastSeq || last.hash !== head.lastHash) {
    return `the patient row's head is seq ${head.lastSeq}, but its log ends at seq ${last?.seq ?? 0}`;
  }
  return undefined;
}

function summaryOf(log: CheckpointLog): CheckpointSummary | null {
  return log.latest ? { ...log.latest, note: log.notes.at(-1)! } : null;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
