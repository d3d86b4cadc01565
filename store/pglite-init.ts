// Creates and migrates a fresh PGlite data directory, then exits:
//   node store/pglite-init.ts <dir> [--from <template.tar.gz>] [--dump <template.tar.gz>]
// Run as a child process by openPgliteStore because creating a cluster (initdb) and the first migration
// leave ~300 MB of WASM memory behind in the process that did them; the brain then opens the finished
// directory at a fraction of that. `--from` starts from a migrated template instead of initdb (see
// pglite-template.ts); `--dump` writes this directory, once migrated, as such a template.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Kysely, PGliteDialect } from 'kysely';
import { PGLITE_SETTINGS } from './pglite-settings.ts';
import type { Database } from './schema.ts';
import { migrate } from './store.ts';

const [dir, ...rest] = process.argv.slice(2);
const flag = (name: string) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};
if (!dir) {
  console.error('usage: node store/pglite-init.ts <data dir> [--from <template>] [--dump <template>]');
  process.exit(2);
}
const from = flag('--from');
const dump = flag('--dump');
const pglite = await PGlite.create(dir, {
  postgresqlconf: PGLITE_SETTINGS,
  extensions: { vector },
  ...(from ? { loadDataDir: new Blob([readFileSync(from)]) } : {}),
});
const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
await migrate(db, undefined);
if (dump) {
  const blob = await pglite.dumpDataDir('gzip');
  // Written aside, then renamed: a reader never sees half a template, and concurrent writers are harmless.
  const tmp = `${dump}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
  renameSync(tmp, dump);
}
await db.destroy();
