import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export type DatabaseKind = 'postgres' | 'sqlite';

const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Where a PostgreSQL database of its own comes from, and whether it outlives its stack (a benchmark's seed). */
export interface DatabaseOptions {
  /** A copy of this database (`CREATE DATABASE … TEMPLATE`), which must have no connections. */
  template?: string;
  /** This name instead of a random one. */
  name?: string;
  /** Left in place when dropped (`drop()` does nothing). */
  keep?: boolean;
}

/** A database of its own for one test file: a fresh PostgreSQL database or SQLite file, dropped afterwards. */
export async function createTestDatabase(kind: DatabaseKind, options: DatabaseOptions = {}): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'cart-e2e-'));
    return { env: { DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = options.name ?? `cart_e2e_${randomBytes(6).toString('hex')}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || (options.template !== undefined && !/^[a-z_][a-z0-9_]*$/.test(options.template))) {
    throw new Error(`a test database is named in lower-case letters, digits and _, not ${options.name ?? options.template}`);
  }
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}${options.template ? ` TEMPLATE ${options.template}` : ''}`));
  return {
    env: { DATABASE_URL: testDatabaseUrl(name) },
    drop: async () => {
      if (!options.keep) await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** The URL of the PostgreSQL test database `name` (on the server of TEST_PG_ADMIN_URL). */
export function testDatabaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Whether the PostgreSQL database `name` exists. */
export async function testDatabaseExists(name: string): Promise<boolean> {
  return withAdmin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
