/** What other folders may use from `store/`. */
import type { Store, OpenStoreOptions } from './store.ts';
import { openPgliteStore } from './store-pglite.ts';
import { openPostgresStore } from './store-postgres.ts';

export type { Store, OpenStoreOptions } from './store.ts';
export type { Database } from './schema.ts';
export { ConversationLog, type ConversationLogEntry, type RecentRead } from './conversation-log.ts';
export { describeDatabaseUrl } from './store-postgres.ts';
export { PLAN_PER_CALL } from './pglite-prepared.ts';
export { WriteBatcher, MAX_WRITE_BATCH } from './write-batcher.ts';

/** Opens the store: PostgreSQL when `databaseUrl` is given, else PGlite at `dataDir`. Migrations run first. */
export function openStore(opts: OpenStoreOptions): Promise<Store> {
  return opts.databaseUrl ? openPostgresStore(opts.databaseUrl, opts.schema, opts.log) : openPgliteStore(opts.dataDir, opts.log, opts.cacheMb);
}
