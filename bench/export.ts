import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { labResultEvent, type ServiceProcess, type ServiceStack, type Site } from '#testing';
import { clonePatients } from './seed';

const MINUTE = 60_000;

/**
 * A trial for the SDTM export: one patient walked to Day 0 through the API, then given `events`
 * more (lab results, and a cytokine release syndrome every 50), then copied `patients` times in SQL,
 * its log with it (the copies' logs are load for the export, not audited records: their hashes are
 * the template's). The copies' ids start with `idPrefix` (8 hex digits), their subject ids are
 * `<idPrefix>-S<n>`. Returns the copies' ids.
 */
export async function seedExportTrial(options: { stack: ServiceStack; api: ServiceProcess; site: Site; idPrefix: string; patients: number; events: number }): Promise<string[]> {
  const { stack, api, site } = options;
  const infusedAt = new Date(Date.now() - (options.events + 60) * MINUTE);
  const template = await site.infused(api, infusedAt);
  for (let i = 1; i <= options.events; i++) {
    const at = new Date(infusedAt.getTime() + i * MINUTE);
    if (i % 50 === 0) {
      const crs = { temperatureC: 39.1, hypotension: false, vasopressors: 0, oxygen: 'none' };
      await site.record(api, template, 'ADVERSE_EVENT_REPORTED', { term: 'Cytokine release syndrome', crs, onset: at.toISOString(), related: true, serious: false }, at);
    } else {
      const { type, data } = labResultEvent(i, at.toISOString());
      await site.record(api, template, type, data, at);
    }
  }
  const ids = await clonePatients(stack, template, options.idPrefix, options.patients);
  await stack.query(
    `INSERT INTO patient_events (patient_id, seq, type, data, actor, actor_name, reason, occurred_at, recorded_at, idempotency_key, signature, seal_version, prev_hash, hash)
     SELECT $2 || '-0000-4000-8000-' || lpad(i::text, 12, '0'), seq, type, data, actor, actor_name, reason, occurred_at, recorded_at, NULL, signature, seal_version, prev_hash, hash
       FROM patient_events CROSS JOIN generate_series(1, $3::int) AS i
      WHERE patient_id = $1`,
    [template, options.idPrefix, options.patients],
  );
  // The copies' heads are the template's (seq, hash): their logs are now the template's log.
  await stack.query('ANALYZE patients');
  await stack.query('ANALYZE patient_events');
  return ids;
}

/** One download of an export as a client sees it, and the API process's memory meanwhile. */
export interface ExportMeasure {
  status: number;
  /** From the request to the first byte of the body. */
  firstByteMs: number;
  /** From the request to the last byte (and the trailers). */
  totalMs: number;
  bytes: number;
  /** `X-Data-Issues`, from the headers (before streaming) or the trailers (since). */
  dataIssues: string | undefined;
  /** The API's resident memory when the download started, and its peak during it (VmHWM, reset first). */
  rssBeforeMiB: number;
  peakRssMiB: number;
}

/**
 * GETs `path` from the API and reads the answer to its end, timing the first and the last byte.
 * The API's peak resident memory is read from /proc (VmHWM), reset just before the request
 * (`clear_refs` 5), so it is the peak of this download alone.
 */
export function measureExport(api: Pick<ServiceProcess, 'pid' | 'url'>, path: string, token: string): Promise<ExportMeasure> {
  const status = () => readFileSync(`/proc/${api.pid}/status`, 'utf8');
  const kb = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  writeFileSync(`/proc/${api.pid}/clear_refs`, '5');
  const rssBeforeMiB = kb(status(), 'VmRSS') / 1024;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}${path}`, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let firstByteMs: number | undefined;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        firstByteMs ??= performance.now() - started;
        bytes += chunk.length;
      });
      res.on('end', () => {
        const totalMs = performance.now() - started;
        const header = res.headers['x-data-issues'];
        resolve({
          status: res.statusCode ?? 0,
          firstByteMs: firstByteMs ?? totalMs,
          totalMs,
          bytes,
          dataIssues: res.trailers['x-data-issues'] ?? (Array.isArray(header) ? header[0] : header),
          rssBeforeMiB,
          peakRssMiB: kb(status(), 'VmHWM') / 1024,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
