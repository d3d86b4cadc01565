// A diagnostic store: every query is compiled (as with PGlite) and then answered with no rows by Kysely's
// DummyDriver. The brain still runs all its stages; only the database work is gone. Used to show how much
// of a turn is the store and how much is the mesh.
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { Database, Store } from '../store/index.ts';

export function openNullStore(): Store {
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const close = () => db.destroy();
  return { kind: 'postgres', db, ping: async () => {}, vectorAvailable: async () => false, close, [Symbol.asyncDispose]: close };
}
