import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { HelixError, type Logger } from '../mesh/index.ts';
import { migrationProvider } from './migrations/index.ts';
import type { Database } from './schema.ts';

/** The SQL store: one Kysely code path over PGlite (embedded) or PostgreSQL. */
export interface Store {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Kysely<Database>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  /** True when the `vector` extension (pgvector) can be used. */
  vectorAvailable(): Promise<boolean>;
  /** Closes connections; safe to call twice. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface OpenStoreOptions {
  /** PostgreSQL URL; unset opens PGlite at `dataDir`. */
  databaseUrl?: string;
  /** PGlite data directory (created if missing), or `memory://`. */
  dataDir: string;
  /** PostgreSQL schema to use (created if missing). @defaultValue `public` */
  schema?: string;
  /** PGlite page cache in MB. @defaultValue sized from the data at open (see pgliteSettings) */
  cacheMb?: number;
  log?: Logger;
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrate(db: Kysely<Database>, schema: string | undefined, log?: Logger): Promise<void> {
  // Most starts have nothing to apply: one indexed read answers that, where the migrator's catalog
  // queries cost ~80 MB of resident memory in PGlite (measured) and a few hundred milliseconds.
  if (await upToDate(db, schema)) return;
  const migrator = new Migrator({ db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's migrator reads the catalog of every schema (to find its own table); another schema dropped at that
  // moment fails the read naming that schema (3F000 or 42P01). Nothing was applied then: try again, a few times.
  for (let attempt = 1; attempt <= 3 && error && droppedElsewhere(error, schema) && !results?.some((r) => r.status === 'Success'); attempt++) {
    log?.warn({ attempt, err: (error as Error).message }, 'another schema vanished while migrations were checked; retrying');
    ({ error, results } = await migrator.migrateToLatest());
  }
  for (const r of results ?? []) {
    if (r.status === 'Success') log?.info({ migration: r.migrationName }, 'migration applied');
    if (r.status === 'Error') log?.error({ migration: r.migrationName }, 'migration failed');
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new HelixError('store_unavailable', `Database migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`.trim(), { cause: error });
  }
}

/**
 * The catalog read tripped over another schema being dropped at that moment: 3F000 (schema "x" does not exist) or
 * 42P01 (relation "x.table" does not exist) naming a schema other than ours.
 */
function droppedElsewhere(error: unknown, schema: string | undefined): boolean {
  const e = error as { code?: string; message?: string };
  const ours = schema ?? 'public';
  const message = e.message ?? '';
  if (e.code === '3F000') {
    const named = /schema "([^"]+)" does not exist/.exec(message)?.[1];
    return named !== undefined && named !== ours;
  }
  if (e.code === '42P01') {
    const named = /relation "([^".]+)\.[^"]+" does not exist/.exec(message)?.[1];
    return named !== undefined && named !== ours;
  }
  return false;
}

/** True when every known migration is recorded as applied. */
async function upToDate(db: Kysely<Database>, schema: string | undefined): Promise<boolean> {
  const known = Object.keys(await migrationProvider.getMigrations());
  try {
    const table = schema ? sql.table(`${schema}.kysely_migration`) : sql.table('kysely_migration');
    const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(db);
    const applied = new Set(rows.map((r) => r.name));
    return known.every((name) => applied.has(name));
  } catch {
    return false; // no migration table yet: a new database
  }
}

/** Wraps a Kysely instance and its cleanup into a {@link Store}; `beforeClose` (background work on the database) ends before it closes. */
export function makeStore(kind: Store['kind'], db: Kysely<Database>, vectorAvailable: () => Promise<boolean>, beforeClose: () => Promise<void> = async () => {}): Store {
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const results = [await beforeClose().then(() => undefined, (err: unknown) => err)];
      results.push(await db.destroy().then(() => undefined, (err: unknown) => err));
      const failed = results.find((r) => r !== undefined);
      if (failed) throw failed;
    })();
    return closing;
  };
  return {
    kind,
    db,
    async ping() {
      await db.selectNoFrom((eb) => eb.val(1).as('ok')).execute();
    },
    vectorAvailable,
    close,
    [Symbol.asyncDispose]: close,
  };
}
