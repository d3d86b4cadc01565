import { sql } from 'kysely';
import type { PersonId } from '../../identity/index.ts';
import type { LlmProvider } from '../llm/provider.ts';
import { extractFacts } from './extract-facts.ts';
import { forgotAllAt } from './forget.ts';
import type { MemoryStore } from './memory-store.ts';
import type { AccountsOf } from './memory-types.ts';
import { consolidateWithModel } from './model-consolidation.ts';
import { extractiveSummary } from './summarise.ts';

/** One consolidation request: a person's new messages in one conversation. */
export interface ConsolidationRequest {
  readonly personId: PersonId;
  readonly platform: string;
  readonly conversationId: string;
}

export interface ConsolidationOptions {
  accountsOf: AccountsOf;
  /** The language model; unset (or failing) uses the deterministic fallback. */
  llm?: LlmProvider | undefined;
  /** Sentences of the extractive summary. @defaultValue `3` */
  summarySentences?: number;
  /** Fewest messages worth a summary. @defaultValue `4` */
  minMessagesForSummary?: number;
  /** Most log lines read per job (the rest wait for the next). @defaultValue `500` */
  maxMessages?: number;
  signal?: AbortSignal;
}

export interface ConsolidationOutcome {
  readonly messages: number;
  readonly factsWritten: number;
  readonly summaryWritten: boolean;
  readonly method: 'model' | 'patterns' | 'none';
}

/**
 * Reads what the person wrote in one conversation since the last consolidation (only their own lines, from
 * any of their accounts, never another speaker's: a summary is per person), extracts facts and writes a
 * summary, then moves the mark. With a model: its JSON; without one, or when its answer is unusable:
 * pattern facts ({@link extractFacts}) and an extractive summary ({@link extractiveSummary}). Safe to
 * retry: writes are idempotent and the mark only moves forward.
 */
export async function consolidateConversation(memory: MemoryStore, req: ConsolidationRequest, opts: ConsolidationOptions): Promise<ConsolidationOutcome> {
  const person = memory.forPerson(req.personId);
  const db = memory.db;
  const accounts = (await opts.accountsOf(person.personId)).filter((a) => a.platform === req.platform);
  if (accounts.length === 0) return { messages: 0, factsWritten: 0, summaryWritten: false, method: 'none' };
  const mark = await db.selectFrom('memory_consolidation_marks').select('last_log_id').where('person_id', '=', person.personId).where('platform', '=', req.platform).where('conversation_id', '=', req.conversationId).executeTakeFirst();
  const since = await forgotAllAt(db, person.personId);
  const { rows } = await sql<{ id: string; event_id: string; text: string; at: Date | string }>`
    select id, event_id, text, at from conversation_log
    where platform = ${req.platform} and conversation_id = ${req.conversationId} and role = 'user'
      and author_account_id in (${sql.join(accounts.map((a) => a.accountId))})
      and id > ${mark?.last_log_id ?? 0} and at > ${since}
    order by id limit ${opts.maxMessages ?? 500}`.execute(db);
  if (rows.length === 0) return { messages: 0, factsWritten: 0, summaryWritten: false, method: 'none' };
  const texts = rows.map((r) => r.text);
  const provenance = (r: (typeof rows)[number]) => ({ platform: req.platform, conversationId: req.conversationId, eventId: r.event_id, at: r.at instanceof Date ? r.at : new Date(r.at) });
  const last = rows[rows.length - 1]!;

  const model = opts.llm ? await consolidateWithModel(opts.llm, texts, opts.signal).catch(() => undefined) : undefined;
  let factsWritten = 0;
  let summary: string;
  if (model) {
    for (const f of model.facts) if ((await person.write({ kind: 'fact', factKey: f.key, text: f.text, provenance: provenance(last), source: 'llm' })).status === 'written') factsWritten++;
    summary = model.summary;
  } else {
    for (const r of rows) {
      for (const f of extractFacts(r.text)) if ((await person.write({ kind: 'fact', factKey: f.key, text: f.text, provenance: provenance(r), source: 'consolidation' })).status === 'written') factsWritten++;
    }
    summary = rows.length >= (opts.minMessagesForSummary ?? 4) ? extractiveSummary(texts, opts.summarySentences ?? 3, memory.deps.options.maxMemoryChars) : '';
  }
  let summaryWritten = false;
  if (summary.trim()) {
    const text = summary.slice(0, memory.deps.options.maxMemoryChars);
    summaryWritten = (await person.write({ kind: 'summary', text, provenance: provenance(last), source: model ? 'llm' : 'consolidation' })).status === 'written';
  }
  await db
    .insertInto('memory_consolidation_marks')
    .values({ person_id: person.personId, platform: req.platform, conversation_id: req.conversationId, last_log_id: String(last.id), at: new Date() })
    .onConflict((oc) => oc.columns(['person_id', 'platform', 'conversation_id']).doUpdateSet({ last_log_id: sql`greatest(memory_consolidation_marks.last_log_id, excluded.last_log_id)`, at: sql`excluded.at` }))
    .execute();
  return { messages: rows.length, factsWritten, summaryWritten, method: model ? 'model' : 'patterns' };
}
