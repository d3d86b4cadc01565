import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import { HelixError, type Logger } from '../mesh/index.ts';
import type { Database } from './schema.ts';
import { makeStore, migrate, type Store } from './store.ts';

/**
 * Server settings for the embedded database. PostgreSQL's defaults (128 MB of shared buffers) are sized
 * for a dedicated server; Helix's conversation log is small and hot, and the brain shares the machine
 * with every other role. Measured (bench, memory): the brain's resident memory falls by ~250 MB.
 */
const PGLITE_SETTINGS = ['shared_buffers=16MB'];

/** Opens (and migrates) an embedded PGlite database: files under `dataDir`, or in memory with `memory://`. */
export async function openPgliteStore(dataDir: string, log?: Logger): Promise<Store> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dataDir, { postgresqlconf: PGLITE_SETTINGS });
  } catch (err) {
    throw new HelixError('store_unavailable', `Cannot open the embedded database at ${dataDir}: ${(err as Error).message}. Is another Helix brain using it? Only one process may open a PGlite directory; use PostgreSQL (store.databaseUrl) to run several brains.`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  try {
    await migrate(db, undefined, log);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw err;
  }
  // pgvector for PGlite is a separate package loaded as an extension; memory recall (a later stage) loads it.
  return makeStore('pglite', db, async () => false);
}
