import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { buildServices, eventually, type ServiceProcess, ServiceStack, Site, stopAllStacks } from '#testing';
import { measureExport, seedExportTrial } from '../bench/export';

/**
 * The SDTM export streamed (ADR 0022), against the API process built from this checkout on
 * PostgreSQL: the memory it takes does not grow with the trial, a client that goes away stops it
 * cleanly, and a patient whose record cannot be exported is left out and listed, the download whole.
 */

beforeAll(() => buildServices(), 180_000);
afterAll(() => stopAllStacks(), 60_000);

const ZIP = '/trials/cd19-rr-all/export?format=sdtm';
/** Each copied patient's log: the walk to Day 0, then this many events. */
const EVENTS = 200;
/** The small trial; the large one has four times as many patients. */
const P = 200;
/** The capped API's old-generation heap: the service itself and a page of patients fit, a trial of 4P × EVENTS entries does not. */
const HEAP_MIB = 192;

describe('the SDTM export, streamed', () => {
  let stack: ServiceStack;
  let api: ServiceProcess;
  let site: Site;
  let spoolDir: string;
  const spools = () => readdirSync(spoolDir);

  beforeAll(async () => {
    spoolDir = mkdtempSync(join(tmpdir(), 'export-spool-e2e-'));
    stack = await ServiceStack.create('export-stream', { env: { CHECKPOINT_EVERY_MS: '0', RATE_LIMIT_PER_MINUTE: '0', EXPORT_SPOOL_DIR: spoolDir } });
    api = await stack.startApi();
    site = await Site.open(stack, api, 'site-b');
  }, 120_000);
  afterAll(() => rmSync(spoolDir, { recursive: true, force: true }));

  it('exports a trial four times as large in the same memory, within a heap the whole trial does not fit in', async () => {
    // An API whose JavaScript heap is capped: holding the large trial's logs, records and rows at
    // once does not fit in it (the process dies with "heap out of memory"); a page at a time does.
    const capped = await stack.startApi('api-capped-heap', {}, [`--max-old-space-size=${HEAP_MIB}`]);
    await seedExportTrial({ stack, api, site, idPrefix: 'e0000001', patients: P, events: EVENTS });
    // The first download warms the process (code compiled, pools filled); the second is measured.
    await measureExport(capped, ZIP, stack.adminToken);
    const small = await measureExport(capped, ZIP, stack.adminToken);
    expect(small.status).toBe(200);

    await seedExportTrial({ stack, api, site, idPrefix: 'e0000002', patients: 3 * P, events: EVENTS });
    const large = await measureExport(capped, ZIP, stack.adminToken);
    expect(large.status).toBe(200);
    expect(large.dataIssues).toBe('0');
    expect(capped.isRunning()).toBe(true);
    expect(large.bytes).toBeGreaterThan(3 * small.bytes);
    // The API's peak resident memory during each download: the large trial's is the small one's,
    // give or take the collector's timing (holding the trial, it would be several times as much).
    const peak = { small: Math.round(small.peakRssMiB), large: Math.round(large.peakRssMiB) };
    expect({ peak, ok: peak.large < peak.small * 1.25 }).toEqual({ peak, ok: true });
    expect(spools()).toEqual([]);
    await capped.stop();
  }, 300_000);

  it('stops when the client goes away: no spool file left, no query left running, the API answers the next export', async () => {
    const requestId = 'export-cut-off';
    const received = await new Promise<number>((resolve, reject) => {
      const req = request(`${api.url}${ZIP}`, { headers: { Authorization: `Bearer ${stack.adminToken}`, 'X-Request-Id': requestId } }, (res) => {
        res.once('data', (chunk: Buffer) => {
          req.destroy();
          resolve(chunk.length);
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
      req.end();
    });
    expect(received).toBeGreaterThan(0);

    await eventually(async () => spools().length === 0, 20_000, 'the spool directory to be removed');
    await eventually(
      async () =>
        (await stack.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()"))[0].n === 0,
      20_000,
      'no query of the export left running',
    );
    // It stopped where the client left: the access audit names the pages read before, not the whole trial.
    const audited = await stack.query("SELECT count(*)::int AS n FROM access_audit WHERE action = 'export.sdtm' AND request_id = $1", [requestId]);
    const [{ n: patients }] = await stack.query("SELECT count(*)::int AS n FROM patients WHERE protocol_id = 'cd19-rr-all'");
    expect(audited[0].n).toBeGreaterThan(0);
    expect(audited[0].n).toBeLessThan(patients);

    expect(api.isRunning()).toBe(true);
    expect(api.output()).not.toMatch(/unhandled|uncaught|FATAL/i);
    const next = await measureExport(api, ZIP, stack.adminToken);
    expect(next.status).toBe(200);
    expect(next.dataIssues).toBe('0');
  }, 120_000);

  it('leaves out a patient whose record cannot be exported, lists it in data-issues.csv and the trailer, and sends the rest whole', async () => {
    // A patient in the middle of the export, pinned to a protocol version the service does not have.
    const [{ id, subject_id: subjectId }] = await stack.query("SELECT id, subject_id FROM patients WHERE subject_id = 'e0000002-S150'");
    await stack.query('UPDATE patients SET protocol_version = 99 WHERE id = $1', [id]);
    const [{ n: patients }] = await stack.query("SELECT count(*)::int AS n FROM patients WHERE protocol_id = 'cd19-rr-all'");

    const chunks: Buffer[] = [];
    const answer = await new Promise<{ status: number; trailers: NodeJS.Dict<string> }>((resolve, reject) => {
      const req = request(`${api.url}${ZIP}`, { headers: { Authorization: `Bearer ${stack.adminToken}` } }, (res) => {
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, trailers: res.trailers }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(200);
    const files = unzipSync(new Uint8Array(Buffer.concat(chunks)));
    const dm = strFromU8(files['dm.csv']).trim().split('\r\n');
    expect(dm).toHaveLength(patients); // the header, and every patient but the one
    expect(dm.some((line) => line.includes(`,${subjectId},`))).toBe(false);
    expect(strFromU8(files['lb.csv'])).not.toContain(`-${subjectId},`);
    expect(strFromU8(files['data-issues.csv'])).toBe(`SUBJID,SEQ,TYPE,FIELD,PROBLEM\r\n${subjectId},,,record,could not be exported: protocol cd19-rr-all v99 is not loaded\r\n`);
    expect(answer.trailers['x-data-issues']).toBe('1');
    expect(spools()).toEqual([]);
  }, 120_000);
});
