import { parseArgs } from 'node:util';
import { freshSeed } from './random';

/** What a run is asked to do (`npm run simulate -- --help`). */
export interface SimulationOptions {
  /** Protocol id; checked against GET /protocols once the engine runs. */
  trial?: string;
  /** Cohort of a protocol with cohorts; without it each patient is drawn into one. */
  cohort?: string;
  /** Patients to register; by default 12, or 18 on a dose-finding protocol. */
  patients?: number;
  seed: number;
  /** Simulated days per real second; by default chosen so that the run takes about a minute. */
  daysPerSecond?: number;
  port: number;
  databaseUrl?: string;
  dataDir?: string;
  serve: boolean;
  json?: string;
  /** Study day on which the trial's amendment with a migration (cd19-rr-all v3) is approved and applied. */
  amendAt?: number;
  /** Send the lab results as HL7 v2 ORU^R01 over MLLP to the engine's listener instead of POST /observations. */
  hl7: boolean;
  quiet: boolean;
  help: boolean;
}

/** A command line that cannot run: the message says why; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

/** Highest days per second: the engine's TIME_SCALE is at most 10,000,000 (≈ 115 days per second). */
export const MAX_DAYS_PER_SECOND = 100;

export const USAGE = `Usage: npm run simulate -- --trial <protocolId> [options]

Drives synthetic patients through a trial via the HTTP API of an engine started in this process,
on a clock that runs many study days per second, then prints the trial's outcomes and its
dose-escalation decisions.

  --trial <id>            protocol to run (required): cd19-rr-all, NCT03754764, NCT04546906, cd20-cd22
  --cohort <id>           cohort of a protocol that has cohorts (cd20-cd22: B-ALL or B-NHL);
                          without it, each patient is drawn into one at random
  --patients <n>          patients to register (default 12; 18 on a dose-finding protocol)
  --seed <n>              seed of the random data, to repeat a run (default: random, printed)
  --days-per-second <d>   simulated days per real second, at most ${MAX_DAYS_PER_SECOND} (default: chosen from
                          the protocol so the run takes about a minute)
  --port <n>              HTTP port of the engine (default 0: any free port)
  --database-url <url>    use this PostgreSQL database (postgres://…) instead of a temporary SQLite file
  --data-dir <dir>        keep the SQLite file in this directory instead of a temporary one
  --serve                 after the report, keep the engine running and print the console URL and
                          tokens; Ctrl-C stops it
  --json <file>           also write the report as JSON to this file
  --amend-at <day>        on this study day apply the trial's amendment that reaches patients on
                          study (cd19-rr-all v3): IRB approval at every site but one (which approves
                          weeks later or never, by the seed), the investigators' dry run and signed
                          migration, re-consent (a few decline); the report gets an Amendment section
  --hl7                   send the lab results as HL7 v2 ORU^R01 messages over MLLP to the engine's
                          listener (marrow and lymph-node samples still through POST /observations)
  --quiet                 no progress bar or progress lines
  --help                  this text

Needs Redis (REDIS_URL, default redis://127.0.0.1:6379). Exit status: 0 done, 1 the engine answered
an error or something unexpected, 2 a wrong command line or protocol id.`;

/** Parses the command line (without the node and script arguments). */
export function parseOptions(argv: string[]): SimulationOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        trial: { type: 'string' },
        cohort: { type: 'string' },
        patients: { type: 'string' },
        seed: { type: 'string' },
        'days-per-second': { type: 'string' },
        port: { type: 'string' },
        'database-url': { type: 'string' },
        'data-dir': { type: 'string' },
        serve: { type: 'boolean', default: false },
        json: { type: 'string' },
        'amend-at': { type: 'string' },
        hl7: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const text = (name: string) => values[name] as string | undefined;
  const databaseUrl = text('database-url');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new UsageError(`--database-url must be a PostgreSQL URL (postgres://…), got "${databaseUrl}"`);
  }
  if (databaseUrl !== undefined && text('data-dir') !== undefined) {
    throw new UsageError('give --database-url or --data-dir, not both');
  }
  return {
    trial: text('trial'),
    cohort: text('cohort'),
    patients: optionalNumber(text('patients'), '--patients', { integer: true, min: 1, max: 500 }),
    seed: optionalNumber(text('seed'), '--seed', { integer: true, min: 0, max: 2 ** 31 - 1 }) ?? freshSeed(),
    daysPerSecond: optionalNumber(text('days-per-second'), '--days-per-second', { min: 0.01, max: MAX_DAYS_PER_SECOND }),
    port: optionalNumber(text('port'), '--port', { integer: true, min: 0, max: 65_535 }) ?? 0,
    databaseUrl,
    dataDir: text('data-dir'),
    serve: values.serve === true,
    json: text('json'),
    amendAt: optionalNumber(text('amend-at'), '--amend-at', { integer: true, min: 0, max: 20_000 }),
    hl7: values.hl7 === true,
    quiet: values.quiet === true,
    help: values.help === true,
  };
}

function optionalNumber(raw: string | undefined, name: string, limits: { integer?: boolean; min: number; max: number }): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const kind = limits.integer ? 'a whole number' : 'a number';
  if (raw.trim() === '' || !Number.isFinite(value) || (limits.integer && !Number.isInteger(value))) {
    throw new UsageError(`${name} must be ${kind}, got "${raw}"`);
  }
  if (value < limits.min || value > limits.max) throw new UsageError(`${name} must be from ${limits.min} to ${limits.max}, got ${raw}`);
  return value;
}
