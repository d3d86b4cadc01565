// Shared set-up of the memory integration tests: real stores (PGlite in memory, PostgreSQL in a schema of
// its own), people with accounts (identity's table is another engineer's: tests pass accounts as a map), and
// a log that captures warnings.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createLogger, type Logger } from '../../../mesh/index.ts';
import type { PersonId } from '../../../identity/index.ts';
import { ConversationLog, openStore, type OpenStoreOptions, type Store } from '../../../store/index.ts';
import type { AccountsOf, MemoryAccount } from '../../../brain/memory/index.ts';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const backends: Array<[string, () => OpenStoreOptions & { cleanup?: () => Promise<void> }]> = [
  ['PGlite in memory', () => ({ dataDir: 'memory://' })],
  [
    'PostgreSQL',
    () => {
      const schema = `t_mem_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      return {
        databaseUrl: PG_URL,
        dataDir: 'unused',
        schema,
        cleanup: async () => {
          const client = new pg.Client({ connectionString: PG_URL });
          await client.connect();
          await client.query(`drop schema if exists "${schema}" cascade`);
          await client.end();
        },
      };
    },
  ],
];

export async function openTestStore(make: () => OpenStoreOptions & { cleanup?: () => Promise<void> }): Promise<{ store: Store; close: () => Promise<void> }> {
  const { cleanup, ...opts } = make();
  const store = await openStore(opts);
  return {
    store,
    close: async () => {
      await store.close();
      await cleanup?.();
    },
  };
}

/** A log whose lines the test can read. */
export function capturedLog(): { log: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const log = createLogger('brain', 'debug', { write: (s: string) => void raw.push(s) });
  return { log, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** People and their accounts, as identity would answer. */
export class TestPeople {
  readonly #accounts = new Map<string, MemoryAccount[]>();
  add(...accounts: MemoryAccount[]): PersonId {
    const id = randomUUID() as PersonId;
    this.#accounts.set(id, accounts);
    return id;
  }
  readonly accountsOf: AccountsOf = async (personId) => this.#accounts.get(personId) ?? [];
}

let seq = 0;
/** Appends one line to the conversation log (what the turn pipeline records). */
export async function say(store: Store, platform: string, conversationId: string, who: { accountId: string } | 'helix', text: string, at: Date): Promise<string> {
  const eventId = `ev-${++seq}-${randomUUID().slice(0, 8)}`;
  await new ConversationLog(store.db).append([
    { platform, conversationId, eventId, role: who === 'helix' ? 'assistant' : 'user', authorAccountId: who === 'helix' ? undefined : who.accountId, text, at },
  ]);
  return eventId;
}

export const prov = (eventId: string, at: Date, platform = 'web', conversationId = 'c1') => ({ platform, conversationId, eventId, at });
