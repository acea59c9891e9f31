import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { FIN_PATTERN } from '#protocols';

const DAY_MS = 24 * 3600 * 1000;

/** An address or a CIDR block, IPv4 or IPv6 (`10.0.0.0/8`, `::1`, `fd00::/8`). */
function isNetwork(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** A comma-separated list, each entry an address or a CIDR block (or, where `names` allows, one of those names). */
const networkList = (names: readonly string[] = []) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .refine((entries) => entries.every((entry) => names.includes(entry) || isNetwork(entry)), {
      message: `must be a comma-separated list of addresses or CIDR blocks${names.length ? ` (or ${names.join(', ')})` : ''}`,
    });

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Where a zip export spools its domains while it streams (ADR 0022); the OS temp directory when unset. */
  EXPORT_SPOOL_DIR: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave it unset for the embedded SQLite file)')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^(\{[A-Za-z0-9_-]+\}|[A-Za-z0-9_-]+)$/, 'may hold only letters, digits, "-" and "_", or be those in braces (a Redis Cluster hash tag, {cart})')
    .default('cart'),
  /** A Redis Cluster instead of the one Redis of REDIS_URL: some of its nodes, `host:port` comma-separated. */
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .refine((entries) => entries.length > 0 && entries.every((entry) => /^[A-Za-z0-9.-]+:\d{1,5}$/.test(entry) && Number(entry.split(':')[1]) <= 65535), {
      message: "must be a comma-separated list of host:port (some of the cluster's nodes)",
    })
    .optional(),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  TIME_SCALE: z.coerce.number().positive().max(10_000_000).default(1),
  /** With it, the server clock itself runs TIME_SCALE times as fast from this instant (simulations). */
  CLOCK_ORIGIN: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with Z or an offset' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/)
    .default('100kb'),
  /** Timers due within this many days sit in Redis; later ones wait in the database for the reconciler. */
  TIMER_HORIZON_DAYS: z.coerce.number().positive().default(7),
  /** How often the reconciler re-enqueues pending timers and outbox rows. */
  RECONCILE_EVERY_MS: z.coerce.number().int().min(100).default(30_000),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Timers a worker process fires at once (each on its own patient row and connection). */
  TIMER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
  /** Outbox rows (notifications) a worker process relays at once: they share the worker with the timers. */
  OUTBOX_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(1),
  /** How long a timer whose patient row a request holds waits before its job is tried again (ADR 0023). */
  TIMER_BUSY_RETRY_MS: z.coerce.number().int().min(1).max(60_000).default(20),
  /** Webhook delivery: attempts before a delivery is dead-lettered, and the first retry's delay. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
  WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).default(2000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  /** Requests a caller (token, else address) may make per minute; 0 turns the limit off. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  /** Patients whose outcome readings an API process keeps parsed in memory (about 9 kB each at two years of follow-up); 0 keeps none. */
  OUTCOMES_MEMO_PATIENTS: z.coerce
    .number()
    .int()
    .min(0, 'must be 0 (keep none) or more')
    .max(1_000_000, 'must be at most 1000000 (about 9 GB of readings kept in memory)')
    .default(20_000),
  /** How long an API process trusts a token it has looked up; a revocation made through another process takes up to this long. 0: look up every request. */
  AUTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  /** How long a bearer token is valid after it is issued or rotated: `<n>s`, `<n>m`, `<n>h` or `<n>d`, at most 365 days. */
  TOKEN_TTL: z
    .string()
    .regex(/^[1-9]\d*(s|m|h|d)$/, { message: 'must be a duration such as 12h or 30d (s, m, h or d)', abort: true })
    .refine((ttl) => toMs(ttl) <= 365 * DAY_MS, 'must be at most 365d')
    .default('30d'),
  /** Wrong signing passwords in a row after which signing is locked for that user until an admin unlocks it. */
  SIGNING_MAX_FAILURES: z.coerce.number().int().min(1).max(20).default(5),
  /**
   * The ISBT 128 Facility Identification Number that issues the patients' chain-of-identity
   * identifiers (ICCBBA assigns it). The default is a placeholder for development and tests.
   */
  ISBT_FIN: z.string().regex(FIN_PATTERN, { message: 'must be an ISBT 128 FIN: a capital letter A–N or P–Z and four digits, e.g. A9999' }).default('A9999'),
  /** The SMTP server notices are emailed through (`smtp://user:pass@host:587`, `smtps://…`); unset: no email. */
  SMTP_URL: z.url({ protocol: /^smtps?$/, message: 'must be an smtp:// or smtps:// URL' }).optional(),
  /** The sender of the emails. */
  MAIL_FROM: z.string().min(3).max(200).default('CAR-T trial engine <no-reply@localhost>'),
  /** The hour (UTC, 0–23) at which the daily digests go. */
  MAIL_DIGEST_HOUR: z.coerce.number().int().min(0).max(23).default(7),
  /** The address the links in emails and the calendar feed start with (the console is at <PUBLIC_URL>/app). */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  /** The proxies whose X-Forwarded-For is believed; unset: none, the socket's address is the caller's. */
  TRUST_PROXY: networkList(['loopback', 'linklocal', 'uniquelocal']).optional(),
  /** Webhook URLs may be plain http:// (else https:// only). */
  WEBHOOK_ALLOW_HTTP: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false'),
  /** Networks a webhook may reach although they are loopback, private, link-local or otherwise not public. */
  WEBHOOK_ALLOWED_NETWORKS: networkList().optional(),
  /**
   * Checkpoints of the audit chain, signed with an Ed25519 key kept outside the database: a PEM
   * file (generated at the first start when CHECKPOINT_KEY_FILE is left unset), or the key itself.
   */
  CHECKPOINT_KEY_FILE: z.string().min(1).optional(),
  CHECKPOINT_KEY: z.string().min(1).optional(),
  /** How often the worker checkpoints the chain heads; 0: never on its own. */
  CHECKPOINT_EVERY_MS: z.coerce
    .number()
    .int()
    .min(0)
    .refine((ms) => ms === 0 || ms >= 1000, 'must be 0 (no scheduled checkpoints) or at least 1000')
    .default(600_000),
  /** The append-only file of signed checkpoints. */
  CHECKPOINT_FILE: z.string().min(1).optional(),
  /** Each new checkpoint is also POSTed here. */
  CHECKPOINT_WEBHOOK_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .max(500)
    .optional(),
  /** The checkpoints' origin (the log's name in each signed note): visible ASCII, no spaces, no "+". */
  CHECKPOINT_ORIGIN: z
    .string()
    .regex(/^[\x21-\x2a\x2c-\x7e]{1,100}$/, 'may hold only visible ASCII characters other than "+" (no spaces), at most 100')
    .default('cart-trial-engine'),
  /** The TCP port of the HL7 v2 MLLP listener (lab results in); unset: no listener. */
  HL7_MLLP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** The address the MLLP listener binds to. */
  HL7_MLLP_HOST: z.string().min(1).default('127.0.0.1'),
  /** The sites (MSH-4 sending facilities) the MLLP listener takes results for: a comma-separated list, or `all`. */
  HL7_MLLP_SITES: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/, 'must be a comma-separated list of site ids (or all)')
    .optional(),
  /** The largest HL7 v2 message taken (MLLP or HTTP); a larger one is refused with AR and recorded by its first bytes. */
  HL7_MAX_MESSAGE_BYTES: z
    .string()
    .regex(/^\d+(b|kb|mb)$/)
    .default('1mb'),
});

export type Database = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

export interface AppConfig {
  port: number;
  database: Database;
  /** Where a zip export spools its domains while it streams (EXPORT_SPOOL_DIR, else the OS temp directory). */
  exportSpoolDir: string;
  redisUrl: string;
  /** Set: the queues run on this Redis Cluster (REDIS_URL then gives only the credentials and TLS). */
  redisClusterNodes?: Array<{ host: string; port: number }>;
  queuePrefix: string;
  adminToken?: string;
  timeScale: number;
  /** Set: the clock runs `timeScale` times as fast from this instant (ms since the epoch). */
  clockOrigin?: number;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  /** The largest JSON body, in bytes (BODY_LIMIT, 1 kb = 1,024 bytes). */
  bodyLimitBytes: number;
  timerHorizonMs: number;
  reconcileEveryMs: number;
  dbPoolSize: number;
  timerConcurrency: number;
  timerBusyRetryMs: number;
  outboxConcurrency: number;
  rateLimitPerMinute: number;
  authCacheMs: number;
  outcomesMemoPatients: number;
  /** How long a bearer token is valid after it is issued or rotated. */
  tokenTtlMs: number;
  signingMaxFailures: number;
  /** The ISBT 128 FIN that issues chain-of-identity identifiers. */
  isbtFin: string;
  mail: { smtpUrl?: string; from: string; digestHour: number };
  publicUrl: string;
  /** Addresses, CIDR blocks or proxy-addr names (`loopback` …) of trusted proxies; empty: trust none. */
  trustProxy: string[];
  webhook: {
    maxAttempts: number;
    backoffMs: number;
    timeoutMs: number;
    /** http:// URLs accepted too. */
    allowHttp: boolean;
    /** Addresses or CIDR blocks a webhook may reach although they are not public. */
    allowedNetworks: string[];
  };
  checkpoint: CheckpointConfig;
  hl7: Hl7Config;
}

export interface Hl7Config {
  /** The MLLP listener's port; undefined: no listener. */
  mllpPort?: number;
  mllpHost: string;
  /** The sites the listener takes results for. */
  mllpSites: string[] | 'all';
  maxMessageBytes: number;
}

export interface CheckpointConfig {
  /** The signing key's PEM file (unless `key` is given). */
  keyFile: string;
  /** The file was named (CHECKPOINT_KEY_FILE): it must exist; the default one is generated when missing. */
  keyFileNamed: boolean;
  /** The private key itself (CHECKPOINT_KEY): PEM or base64 of its PKCS#8 DER. */
  key?: string;
  /** 0: no scheduled checkpoints. */
  everyMs: number;
  file: string;
  webhookUrl?: string;
  origin: string;
}

export class ConfigurationError extends Error {}

/** The one validated configuration, built from the environment at start-up. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigurationError(`Configuration error: ${issue.path.join('.')} ${issue.message}.`);
  }
  const c = parsed.data;
  if (c.CHECKPOINT_KEY && c.CHECKPOINT_KEY_FILE) {
    throw new ConfigurationError('Configuration error: CHECKPOINT_KEY and CHECKPOINT_KEY_FILE are both set; set one.');
  }
  if (c.REDIS_CLUSTER_NODES && !/^\{.+\}$/.test(c.QUEUE_PREFIX)) {
    // BullMQ's scripts touch several keys of a queue at once: on a cluster they must share one hash slot.
    throw new ConfigurationError(
      `Configuration error: QUEUE_PREFIX "${c.QUEUE_PREFIX}" is not a hash tag; on a Redis Cluster (REDIS_CLUSTER_NODES) write it in braces, {${c.QUEUE_PREFIX}}, so each queue's keys share one hash slot.`,
    );
  }
  if (c.HL7_MLLP_PORT !== undefined && !c.HL7_MLLP_SITES) {
    throw new ConfigurationError('Configuration error: HL7_MLLP_PORT is set without HL7_MLLP_SITES; name the sites the listener takes results for (or all).');
  }
  return {
    port: c.PORT,
    database: c.DATABASE_URL ? { type: 'postgres', url: c.DATABASE_URL } : { type: 'sqlite', path: join(c.DATA_DIR, 'trials.sqlite') },
    exportSpoolDir: c.EXPORT_SPOOL_DIR ?? tmpdir(),
    redisUrl: c.REDIS_URL,
    redisClusterNodes: c.REDIS_CLUSTER_NODES?.map((entry) => ({ host: entry.split(':')[0], port: Number(entry.split(':')[1]) })),
    queuePrefix: c.QUEUE_PREFIX,
    adminToken: c.ADMIN_TOKEN,
    timeScale: c.TIME_SCALE,
    clockOrigin: c.CLOCK_ORIGIN === undefined ? undefined : Date.parse(c.CLOCK_ORIGIN),
    logLevel: c.LOG_LEVEL,
    bodyLimitBytes: toBytes(c.BODY_LIMIT),
    timerHorizonMs: c.TIMER_HORIZON_DAYS * 24 * 3600 * 1000,
    reconcileEveryMs: c.RECONCILE_EVERY_MS,
    dbPoolSize: c.DB_POOL_SIZE,
    timerConcurrency: c.TIMER_CONCURRENCY,
    timerBusyRetryMs: c.TIMER_BUSY_RETRY_MS,
    outboxConcurrency: c.OUTBOX_CONCURRENCY,
    rateLimitPerMinute: c.RATE_LIMIT_PER_MINUTE,
    authCacheMs: c.AUTH_CACHE_MS,
    outcomesMemoPatients: c.OUTCOMES_MEMO_PATIENTS,
    tokenTtlMs: toMs(c.TOKEN_TTL),
    signingMaxFailures: c.SIGNING_MAX_FAILURES,
    isbtFin: c.ISBT_FIN,
    mail: { smtpUrl: c.SMTP_URL, from: c.MAIL_FROM, digestHour: c.MAIL_DIGEST_HOUR },
    publicUrl: c.PUBLIC_URL.replace(/\/$/, ''),
    trustProxy: c.TRUST_PROXY ?? [],
    webhook: {
      maxAttempts: c.WEBHOOK_MAX_ATTEMPTS,
      backoffMs: c.WEBHOOK_BACKOFF_MS,
      timeoutMs: c.WEBHOOK_TIMEOUT_MS,
      allowHttp: c.WEBHOOK_ALLOW_HTTP === 'true',
      allowedNetworks: c.WEBHOOK_ALLOWED_NETWORKS ?? [],
    },
    checkpoint: {
      keyFile: c.CHECKPOINT_KEY_FILE ?? join(c.DATA_DIR, 'checkpoint-signing-key.pem'),
      keyFileNamed: c.CHECKPOINT_KEY_FILE !== undefined,
      key: c.CHECKPOINT_KEY,
      everyMs: c.CHECKPOINT_EVERY_MS,
      file: c.CHECKPOINT_FILE ?? join(c.DATA_DIR, 'checkpoints.jsonl'),
      webhookUrl: c.CHECKPOINT_WEBHOOK_URL,
      origin: c.CHECKPOINT_ORIGIN,
    },
    hl7: {
      mllpPort: c.HL7_MLLP_PORT,
      mllpHost: c.HL7_MLLP_HOST,
      mllpSites: !c.HL7_MLLP_SITES || c.HL7_MLLP_SITES === 'all' ? 'all' : c.HL7_MLLP_SITES.split(','),
      maxMessageBytes: toBytes(c.HL7_MAX_MESSAGE_BYTES),
    },
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

/** `<n>s`, `<n>m`, `<n>h` or `<n>d` (the TOKEN_TTL pattern) in milliseconds. */
function toMs(duration: string): number {
  const [, n, unit] = /^(\d+)(s|m|h|d)$/.exec(duration)!;
  return Number(n) * { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS }[unit as 's' | 'm' | 'h' | 'd'];
}

/** `<n>b`, `<n>kb` or `<n>mb` (the BODY_LIMIT pattern) in bytes. */
function toBytes(size: string): number {
  const [, n, unit] = /^(\d+)(b|kb|mb)$/.exec(size)!;
  return Number(n) * { b: 1, kb: 1024, mb: 1024 ** 2 }[unit as 'b' | 'kb' | 'mb'];
}
