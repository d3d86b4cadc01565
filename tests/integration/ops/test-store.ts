// A store for ops tests: PostgreSQL in a fresh schema (dropped on close). On this loaded 2-core box PGlite's
// in-memory start takes tens of seconds; `OPS_TEST_STORE=pglite` runs the same tests on PGlite.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../../store/index.ts';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Opens a migrated store; `close()` also drops its schema. */
export async function openTestStore(): Promise<Store> {
  if (process.env.OPS_TEST_STORE === 'pglite') return openStore({ dataDir: 'memory://' });
  const schema = `ops_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const dropSchema = async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await client.end();
    }
  };
  const store = await openStore({ databaseUrl: PG_URL, dataDir: 'unused', schema }).catch(async (err: unknown) => {
    await dropSchema().catch(() => undefined);
    throw err;
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await store.close();
      await dropSchema();
    })();
    return closing;
  };
  return { ...store, kind: store.kind, db: store.db, ping: () => store.ping(), vectorAvailable: () => store.vectorAvailable(), close, [Symbol.asyncDispose]: close };
}
