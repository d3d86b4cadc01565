import type { Migration, MigrationProvider } from 'kysely/migration';
import { conversationLog } from './0001-conversation-log.ts';
import { opsIncidents } from './0002-ops-incidents.ts';
import { people } from './0003-people.ts';
import { memories } from './0004-memories.ts';
import { memoryHnswBuild } from './0005-memory-hnsw-build.ts';
import { conversationLogUserSince } from './0006-conversation-log-user-since.ts';
import { accountConversations } from './0007-account-conversations.ts';

/** Every migration, in order. Names sort lexically; never rename or edit a shipped one, add the next. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-conversation-log': conversationLog,
  '0002-ops-incidents': opsIncidents,
  '0003-people': people,
  '0004-memories': memories,
  '0005-memory-hnsw-build': memoryHnswBuild,
  '0006-conversation-log-user-since': conversationLogUserSince,
  '0007-account-conversations': accountConversations,
};

/** In-code provider: migrations ship inside the code, so no file-system lookup at start. */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return { ...MIGRATIONS };
  },
};
