import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from '../mesh/index.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { PGLITE_SETTINGS } from './pglite-settings.ts';

const INIT_SCRIPT = fileURLToPath(new URL('./pglite-init.ts', import.meta.url));
const CACHE_DIR = fileURLToPath(new URL('../node_modules/.cache/helix/', import.meta.url));

/**
 * A migrated, empty database as a PGlite data-directory archive, made once per machine and reused by every
 * new database (in memory or a brand-new directory). Creating a cluster (initdb) plus every migration costs
 * several seconds of WASM work each time; loading the archive costs a fraction of it. PGlite has no such
 * cache of its own. The archive's name covers everything that shapes it (PGlite and pgvector versions,
 * settings, migration names), so a change makes a new one. Returns undefined if it cannot be made: callers
 * then create the database the slow way.
 */
export async function pgliteTemplate(log?: Logger): Promise<string | undefined> {
  const file = join(CACHE_DIR, `pglite-${templateKey()}.tar.gz`);
  if (existsSync(file)) return file;
  const work = mkdtempSync(join(tmpdir(), 'helix-pglite-template-'));
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const started = Date.now();
    await promisify(execFile)(process.execPath, [INIT_SCRIPT, work, '--dump', file], { timeout: 180_000 });
    log?.info({ template: file, ms: Date.now() - started }, 'embedded database template made');
    return file;
  } catch (err) {
    log?.warn({ err: (err as Error).message }, 'embedded database template could not be made; creating databases without it');
    return undefined;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function templateKey(): string {
  // The packages do not export their package.json; read it where npm put it.
  const version = (name: string) => (JSON.parse(readFileSync(fileURLToPath(new URL(`../node_modules/${name}/package.json`, import.meta.url)), 'utf8')) as { version: string }).version;
  const parts = [version('@electric-sql/pglite'), version('@electric-sql/pglite-pgvector'), ...PGLITE_SETTINGS, ...Object.keys(MIGRATIONS)];
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}
