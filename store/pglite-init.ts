// Creates and migrates a fresh PGlite data directory, then exits: `node store/pglite-init.ts <dir>`.
// Run as a child process by openPgliteStore because creating a cluster (initdb) and the first migration
// leave ~300 MB of WASM memory behind in the process that did them; the brain then opens the finished
// directory at a fraction of that.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Kysely, PGliteDialect } from 'kysely';
import { PGLITE_SETTINGS } from './pglite-settings.ts';
import type { Database } from './schema.ts';
import { migrate } from './store.ts';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node store/pglite-init.ts <data dir>');
  process.exit(2);
}
const pglite = await PGlite.create(dir, { postgresqlconf: PGLITE_SETTINGS, extensions: { vector } });
const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
await migrate(db, undefined);
await db.destroy();
