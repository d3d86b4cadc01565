import { sql } from 'kysely';
import type { Queue } from 'bullmq';
import { MemoryConsolidationJob, memoryConsolidationJobOptions } from '../../mesh/index.ts';
import { tokenize } from './embedders/local-hash.ts';
import { parseMemoryCommand } from './commands.ts';
import { extractFacts } from './extract-facts.ts';
import type { MemoryProvenance } from './memory-input.ts';
import type { ConsolidationRequest } from './consolidate.ts';
import type { MemoryStore, PersonMemories } from './memory-store.ts';
import type { AccountsOf } from './memory-types.ts';
import type { WriteOutcome } from './write.ts';

/**
 * Writes what one message of a person tells Helix, right after the turn: every pattern fact at once (so
 * "my dog is called Juno" is recalled on the next turn, before any consolidation runs), and an episodic note
 * when the message says something (four or more words, not a question, not a memory command). Texts longer
 * than the memory limit are noted cut short, never refused: the full text stays in the conversation log.
 */
export async function rememberMessage(person: PersonMemories, text: string, provenance: MemoryProvenance, maxChars = 2_000): Promise<WriteOutcome[]> {
  const out: WriteOutcome[] = [];
  if (parseMemoryCommand(text)) return out;
  for (const f of extractFacts(text)) out.push(await person.write({ kind: 'fact', factKey: f.key, text: f.text, provenance, source: 'turn' }));
  const trimmed = text.trim();
  if (tokenize(trimmed).length >= 4 && !/\?\s*$/.test(trimmed)) {
    const note = trimmed.length > maxChars ? `${trimmed.slice(0, maxChars - 1)}…` : trimmed;
    out.push(await person.write({ kind: 'episodic', text: note, provenance, source: 'turn' }));
  }
  return out;
}

/** The person's messages in one conversation not yet consolidated (compare with `memory.consolidation.everyMessages`). */
export async function pendingConsolidation(memory: MemoryStore, req: ConsolidationRequest, accountsOf: AccountsOf): Promise<number> {
  const { platform, conversationId } = req;
  const person = memory.forPerson(req.personId);
  const accounts = (await accountsOf(person.personId)).filter((a) => a.platform === platform);
  if (accounts.length === 0) return 0;
  const { rows } = await pendingConsolidationQuery(person.personId, platform, conversationId, accounts.map((a) => a.accountId)).execute(memory.db);
  return rows[0]?.n ?? 0;
}

/**
 * The count behind {@link pendingConsolidation}, in one statement (the mark is read inside it). It runs after
 * every turn: it must read only the messages since the mark (index `conversation_log_user_since`), never all
 * the person ever wrote.
 */
export function pendingConsolidationQuery(personId: string, platform: string, conversationId: string, accountIds: readonly string[]) {
  return sql<{ n: number }>`
    select count(*)::int as n from conversation_log
    where platform = ${platform} and conversation_id = ${conversationId} and role = 'user'
      and author_account_id in (${sql.join([...accountIds])})
      and id > coalesce((select k.last_log_id from memory_consolidation_marks k
        where k.person_id = ${personId} and k.platform = ${platform} and k.conversation_id = ${conversationId}), 0)`;
}

/** Queues a consolidation job (validated; one per person, conversation and minute). */
export async function enqueueConsolidation(queue: Queue, job: MemoryConsolidationJob): Promise<void> {
  const parsed = MemoryConsolidationJob.parse(job);
  await queue.add('consolidate', parsed, memoryConsolidationJobOptions(parsed));
}
