import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Kysely } from 'kysely';
import { HelixError, type Logger } from '../mesh/index.ts';
import { startAutoAnalyze } from './pglite-analyze.ts';
import { PreparedPgliteDialect } from './pglite-driver.ts';
import { pgliteSettings, relationBytes } from './pglite-settings.ts';
import type { Database } from './schema.ts';
import { pgliteTemplate } from './pglite-template.ts';
import { makeStore, migrate, type Store } from './store.ts';

/**
 * Opens (and migrates) an embedded PGlite database: files under `dataDir`, or in memory with `memory://`.
 * Its page cache is sized from the data already there (see {@link pgliteSettings}) unless `cacheMb` is given.
 */
export async function openPgliteStore(dataDir: string, log?: Logger, cacheMb?: number): Promise<Store> {
  let pglite: PGlite;
  try {
    const template = await pgliteTemplate(log);
    const inMemory = dataDir.startsWith('memory://');
    if (!inMemory) await createClusterOnce(dataDir, template, log);
    const fromTemplate = inMemory && template ? { loadDataDir: new Blob([readFileSync(template)]) } : {};
    const settings = pgliteSettings(inMemory ? 0 : relationBytes(dataDir), cacheMb);
    log?.debug({ data_dir: dataDir, settings }, 'embedded database settings');
    pglite = await PGlite.create(dataDir, { postgresqlconf: settings, extensions: { vector }, ...fromTemplate });
  } catch (err) {
    throw new HelixError('store_unavailable', `Cannot open the embedded database at ${dataDir}: ${(err as Error).message}. Is another Helix brain using it? Only one process may open a PGlite directory; use PostgreSQL (store.databaseUrl) to run several brains.`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new PreparedPgliteDialect({ pglite }) });
  try {
    await migrate(db, undefined, log);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw err;
  }
  // No autovacuum runs in PGlite: keep the planner's statistics current by hand.
  const analyze = startAutoAnalyze(db, { log });
  // pgvector ships as a PGlite extension (@electric-sql/pglite-pgvector), loaded above: always available.
  return makeStore('pglite', db, async () => true, () => analyze.stop());
}

const INIT_SCRIPT = fileURLToPath(new URL('./pglite-init.ts', import.meta.url));

/**
 * A fresh directory is made from the migrated template when there is one: the archive is unpacked with the
 * system's `tar` into a sibling directory that is renamed into place (a crash never leaves half a database
 * behind), ~0.4 s against ~5 s for a PGlite child to load and write it. Without a template, or when `tar`
 * fails, a short-lived child process creates it (see pglite-init.ts for why not this process).
 */
async function createClusterOnce(dataDir: string, template: string | undefined, log: Logger | undefined): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  mkdirSync(dataDir, { recursive: true });
  const started = Date.now();
  if (template && (await unpackTemplate(template, dataDir, log))) {
    log?.info({ data_dir: dataDir, ms: Date.now() - started, from: 'template' }, 'embedded database created and migrated');
    return;
  }
  await promisify(execFile)(process.execPath, [INIT_SCRIPT, dataDir, ...(template ? ['--from', template] : [])], { timeout: 120_000 });
  log?.info({ data_dir: dataDir, ms: Date.now() - started }, 'embedded database created and migrated');
}

/** Unpacks a template archive into the empty `dataDir`; false (and nothing changed) if it cannot. */
async function unpackTemplate(template: string, dataDir: string, log: Logger | undefined): Promise<boolean> {
  if (readdirSync(dataDir).length > 0) return false;
  const work = mkdtempSync(`${dataDir.replace(/\/+$/, '')}.unpacking-`);
  try {
    await promisify(execFile)('tar', ['-xzf', template, '-C', work, '--no-same-owner'], { timeout: 60_000 });
    if (!existsSync(join(work, 'PG_VERSION'))) throw new Error('the archive holds no PG_VERSION');
    // The template was dumped from a running database: its lock file names a process long gone.
    rmSync(join(work, 'postmaster.pid'), { force: true });
    rmdirSync(dataDir);
    renameSync(work, dataDir);
    return true;
  } catch (err) {
    log?.warn({ err: (err as Error).message, template }, 'embedded database template could not be unpacked; creating the database in a child process');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    return false;
  }
}
