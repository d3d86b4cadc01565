import { readdirSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';

/**
 * Server settings for creating and migrating the embedded database. PostgreSQL's defaults (128 MB of shared
 * buffers) are sized for a dedicated server; a new Helix database is small, and the brain shares the machine
 * with every other role. Measured: a reopened PGlite process falls from ~407 MB to ~233 MB resident.
 */
export const PGLITE_SETTINGS = ['shared_buffers=16MB'];

const MB = 1024 * 1024;
/** The cache never goes below what a new database gets. */
export const MIN_CACHE_MB = 16;
/** Nor above this (or a quarter of the machine's memory, whichever is less). */
export const MAX_CACHE_MB = 1_024;

/**
 * PGlite's page cache (`shared_buffers`) for a database whose tables and indexes take `dataBytes`: half of
 * that, rounded up to 16 MB, between {@link MIN_CACHE_MB} and {@link MAX_CACHE_MB} (and a quarter of RAM).
 * Every page PGlite cannot keep is copied in again from its file system for each statement that needs it:
 * at 100k memories of one person, a vector search read ~4,000 pages (~20 ms) with a 16 MB cache and
 * ~9 ms from cache with 256 MB (half of the 477 MB the database holds). The cache is resident memory,
 * which is why it follows the data instead of being large for everyone. `cacheMb` overrides the sizing.
 */
export function pgliteSettings(dataBytes: number, cacheMb?: number, machineBytes = totalmem()): string[] {
  return [`shared_buffers=${cacheMb ?? autoCacheMB(dataBytes, machineBytes)}MB`];
}

export function autoCacheMB(dataBytes: number, machineBytes = totalmem()): number {
  const half = Math.ceil(dataBytes / 2 / MB / 16) * 16;
  const cap = Math.max(MIN_CACHE_MB, Math.min(MAX_CACHE_MB, Math.floor(machineBytes / 4 / MB / 16) * 16));
  return Math.min(cap, Math.max(MIN_CACHE_MB, half));
}

/** Bytes of tables and indexes in a PGlite data directory (`base/`; WAL and catalogs of other databases aside). 0 if there is none. */
export function relationBytes(dataDir: string): number {
  let total = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += statSync(p).size;
    }
  };
  try {
    walk(join(dataDir, 'base'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return total;
}
