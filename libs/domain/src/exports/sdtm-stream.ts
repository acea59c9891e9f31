import { createReadStream } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Zip, ZipDeflate } from 'fflate';
import type { DataIssue } from '#protocols';
import type { PatientEntity } from '../persistence/entities';
import { csvRecord, csvRow, type ExportTable } from './csv';
import { SDTM_COLUMNS, SDTM_DOMAINS, type SdtmDomain } from './sdtm';

type Row = ExportTable['rows'][number];

/** One patient as the SDTM export writes it, in the export's order (USUBJID). */
export interface ExportedPatient {
  patient: Pick<PatientEntity, 'id' | 'subjectId' | 'registeredAt'>;
  /** Its rows of every domain (`sdtmRowsOf`); null when its record could not be exported. */
  rows: Record<SdtmDomain, Row[]> | null;
  /** The stored entries left out of its rows: the schemas refuse them, or the replay could not take them. */
  dataIssues: DataIssue[];
  /** Why the whole record was left out, when it was (`exportFailure`). */
  failure: DataIssue | null;
}

/** What a streamed export knows only once its last byte is made. */
export interface ExportSummary {
  /** How many stored entries (and records) were left out of the tables: the rows of data-issues.csv. */
  dataIssues: number;
}

/** The prefix of the directory a zip export spools its domains to (in EXPORT_SPOOL_DIR); removed when the export ends, however it ends. */
export const SPOOL_PREFIX = 'sdtm-export-';

/** Bytes gathered before they go to the client. */
const CHUNK_BYTES = 16 * 1024;

/** Bytes gathered before they go to a spool file, and read back from it at a time. */
const SPOOL_BYTES = 64 * 1024;

/**
 * One domain as CSV, made as the patients come: the header, then each patient's rows. Nothing is
 * held but the chunk being filled. `summary` is complete when the generator is done.
 */
export async function* domainCsv(domain: SdtmDomain, patients: AsyncIterable<ExportedPatient>, summary: ExportSummary): AsyncGenerator<Buffer> {
  const columns = SDTM_COLUMNS[domain];
  const chunk = new TextChunk(csvRecord(columns));
  for await (const exported of patients) {
    summary.dataIssues += issuesOf(exported);
    for (const row of exported.rows?.[domain] ?? []) chunk.add(csvRow(columns, row));
    if (chunk.full) yield chunk.take();
  }
  yield chunk.take();
}

/**
 * Every domain in a zip (dm.csv, ex.csv, ae.csv, suppae.csv, rs.csv, lb.csv, dv.csv, then
 * data-issues.csv), deflated with fflate's streaming `Zip`, in one pass over the patients (ADR 0022):
 * DM goes into the zip as the patients come; the other domains are written to spool files in a
 * directory of their own under `spoolDir`, then deflated into the zip one after the other; the directory is removed
 * when the generator ends, also when the download is cut off. The data issues (a few rows, not a
 * row per event) are kept until the end, when data-issues.csv lists them in the order the export
 * always has: the stored entries left out, patient by patient in registration order, then the
 * records that could not be exported.
 */
export async function* sdtmZip(patients: AsyncIterable<ExportedPatient>, summary: ExportSummary, spoolDir: string): AsyncGenerator<Uint8Array> {
  const spool = await DomainSpool.open(
    spoolDir,
    SDTM_DOMAINS.filter((domain) => domain !== 'DM'),
  );
  const zipped = new ZipOutput();
  try {
    const dm = zipped.file('dm.csv');
    dm.push(Buffer.from(csvRecord(SDTM_COLUMNS.DM)));
    const issues = new DataIssueList();
    for await (const exported of patients) {
      issues.add(exported);
      if (exported.rows) {
        // The deflater gathers what it is given into blocks of its own; its output goes out as soon as there is some.
        dm.push(Buffer.from(exported.rows.DM.map((row) => csvRow(SDTM_COLUMNS.DM, row)).join('')));
        await spool.write(exported.rows);
      }
      if (zipped.length) yield zipped.take();
    }
    dm.push(new Uint8Array(0), true);
    for (const domain of spool.domains) {
      const file = zipped.file(`${domain.toLowerCase()}.csv`);
      for await (const chunk of spool.read(domain)) {
        file.push(chunk as Buffer);
        if (zipped.full) yield zipped.take();
      }
      file.push(new Uint8Array(0), true);
    }
    zipped.file('data-issues.csv').push(Buffer.from(issues.csv()), true);
    summary.dataIssues = issues.count;
    yield zipped.end();
  } finally {
    zipped.terminate();
    await spool.remove();
  }
}

function issuesOf(exported: ExportedPatient): number {
  return exported.dataIssues.length + (exported.failure ? 1 : 0);
}

/** Text gathered into chunks of about `size` bytes. */
class TextChunk {
  private parts: string[] = [];
  private length = 0;

  constructor(
    first = '',
    private readonly size = CHUNK_BYTES,
  ) {
    this.add(first);
  }

  add(text: string): void {
    this.parts.push(text);
    this.length += text.length;
  }

  get full(): boolean {
    return this.length >= this.size;
  }

  take(): Buffer {
    const bytes = Buffer.from(this.parts.join(''));
    this.parts = [];
    this.length = 0;
    return bytes;
  }
}

/** fflate's streaming zip, its output gathered until it is taken. */
class ZipOutput {
  private readonly zip: Zip;
  private chunks: Uint8Array[] = [];
  /** Bytes made and not yet taken. */
  length = 0;
  private failure: Error | null = null;

  constructor() {
    this.zip = new Zip((error, chunk) => {
      if (error) this.failure = error;
      else {
        this.chunks.push(chunk);
        this.length += chunk.length;
      }
    });
  }

  /** A new deflated file; the one before must have had its last chunk. */
  file(name: string): ZipDeflate {
    const file = new ZipDeflate(name, { level: 6 });
    this.zip.add(file);
    return file;
  }

  get full(): boolean {
    return this.length >= CHUNK_BYTES;
  }

  take(): Buffer {
    if (this.failure) throw this.failure;
    const bytes = Buffer.concat(this.chunks, this.length);
    this.chunks = [];
    this.length = 0;
    return bytes;
  }

  /** The rest of the zip, its central directory included. */
  end(): Buffer {
    this.zip.end();
    return this.take();
  }

  terminate(): void {
    this.zip.terminate();
  }
}

/** A file per domain in a directory of its own, written in chunks, read back as a stream. */
class DomainSpool {
  private readonly pending = new Map<SdtmDomain, TextChunk>();

  private constructor(
    private readonly directory: string,
    readonly domains: readonly SdtmDomain[],
    private readonly files: Map<SdtmDomain, FileHandle>,
  ) {
    for (const domain of domains) this.pending.set(domain, new TextChunk(csvRecord(SDTM_COLUMNS[domain]), SPOOL_BYTES));
  }

  static async open(spoolDir: string, domains: readonly SdtmDomain[]): Promise<DomainSpool> {
    const directory = await mkdtemp(join(spoolDir, SPOOL_PREFIX));
    const files = new Map<SdtmDomain, FileHandle>();
    try {
      for (const domain of domains) files.set(domain, await open(join(directory, `${domain}.csv`), 'w'));
    } catch (error) {
      for (const file of files.values()) await file.close();
      await rm(directory, { recursive: true, force: true });
      throw error;
    }
    return new DomainSpool(directory, domains, files);
  }

  /** A patient's rows of the spooled domains; a chunk is written when it is full. */
  async write(rows: Record<SdtmDomain, Row[]>): Promise<void> {
    for (const domain of this.domains) {
      const chunk = this.pending.get(domain)!;
      for (const row of rows[domain]) chunk.add(csvRow(SDTM_COLUMNS[domain], row));
      if (chunk.full) await this.files.get(domain)!.write(chunk.take());
    }
  }

  /** The domain's CSV, header first, once the last patient is written. */
  async *read(domain: SdtmDomain): AsyncGenerator<Buffer> {
    const file = this.files.get(domain)!;
    await file.write(this.pending.get(domain)!.take());
    await file.close();
    this.files.delete(domain);
    yield* createReadStream(join(this.directory, `${domain}.csv`), { highWaterMark: SPOOL_BYTES });
  }

  async remove(): Promise<void> {
    for (const file of this.files.values()) await file.close().catch(() => undefined);
    this.files.clear();
    await rm(this.directory, { recursive: true, force: true });
  }
}

/** The data issues of an export, listed as data-issues.csv lists them. */
class DataIssueList {
  private readonly leftOut: Array<{ patient: ExportedPatient['patient']; issue: DataIssue }> = [];
  private readonly failures: Array<{ patient: ExportedPatient['patient']; issue: DataIssue }> = [];

  add({ patient, dataIssues, failure }: ExportedPatient): void {
    for (const issue of dataIssues) this.leftOut.push({ patient, issue });
    if (failure) this.failures.push({ patient, issue: failure });
  }

  get count(): number {
    return this.leftOut.length + this.failures.length;
  }

  /** SUBJID, SEQ, TYPE, FIELD, PROBLEM: the entries left out by registration order (a stable sort keeps each patient's own order), then the records not exported. */
  csv(): string {
    const byRegistration = [...this.leftOut].sort((a, b) => compare(a.patient.registeredAt, b.patient.registeredAt) || compare(a.patient.id, b.patient.id));
    const columns = ['SUBJID', 'SEQ', 'TYPE', 'FIELD', 'PROBLEM'];
    const rows = [...byRegistration, ...this.failures].map(({ patient, issue }) =>
      csvRow(columns, { SUBJID: patient.subjectId, SEQ: issue.seq, TYPE: issue.type, FIELD: issue.field, PROBLEM: issue.problem }),
    );
    return csvRecord(columns) + rows.join('');
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
