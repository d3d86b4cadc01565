import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { HelixError, type Logger } from '../mesh/index.ts';
import type { Database } from './schema.ts';
import { makeStore, migrate, type Store } from './store.ts';

/** host:port/db of a URL, never its password, for messages. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparseable database URL)';
  }
}

/** Opens (and migrates) a PostgreSQL database; `schema` isolates a deployment or a test run. */
export async function openPostgresStore(databaseUrl: string, schema: string | undefined, log?: Logger): Promise<Store> {
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new HelixError('config_invalid', `store schema "${schema}" must be a plain lower-case SQL identifier`);
  const where = describeDatabaseUrl(databaseUrl);
  if (schema) {
    const admin = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
    try {
      await admin.connect();
      await admin.query(`create schema if not exists "${schema}"`);
    } catch (err) {
      throw unavailable(where, err);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    connectionTimeoutMillis: 5_000,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('error', (err) => log?.warn({ err: err.message }, 'postgres pool error'));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await db.selectNoFrom((eb) => eb.val(1).as('ok')).execute();
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw unavailable(where, err);
  }
  try {
    await migrate(db, schema, log);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw err;
  }
  return makeStore('postgres', db, async () => {
    const r = await pool.query<{ n: number }>(`select count(*)::int as n from pg_available_extensions where name = 'vector'`);
    return (r.rows[0]?.n ?? 0) > 0;
  });
}

function unavailable(where: string, err: unknown): HelixError {
  const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new HelixError('store_unavailable', `PostgreSQL at ${where} is not reachable (${reason}). Check that it runs, that store.databaseUrl (DATABASE_URL) points at it and that the user may connect.`, { cause: err });
}
