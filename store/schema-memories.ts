import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/**
 * One memory of one person: an episodic note, a semantic fact (with a `fact_key`, so a newer fact about
 * the same thing supersedes the older one) or a conversation summary. Provenance says where it came from.
 * `embedding` exists only when pgvector is installed (see store/migrations/0004-memories.ts).
 */
export interface MemoriesTable {
  id: Generated<string>;
  person_id: string;
  kind: 'episodic' | 'fact' | 'summary';
  text: string;
  /** Facts only: what the fact is about (`dog.name`, `job.start`, `home`); one current fact per key. */
  fact_key: string | null;
  valid_from: Timestamp;
  /** Set when a newer fact superseded this one; a superseded memory is never recalled as current. */
  valid_to: Timestamp | null;
  superseded_by: string | null;
  platform: string | null;
  conversation_id: string | null;
  event_id: string | null;
  at: Timestamp;
  /** `turn`, `consolidation`, `llm`, `merge`: which writer made it. */
  source: string;
  /** Hash of what makes a write unique, so a retried turn writes nothing twice. */
  dedupe_key: string;
  /** The embedder that produced `embedding` (vectors of different models are never compared). */
  embedding_model: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/** Per person: when they last said "forget everything" (older conversation log lines are ignored by memory). */
export interface MemoryPersonStateTable {
  person_id: string;
  forgot_all_at: Timestamp | null;
}

/** Per person and conversation: the last conversation_log row consolidation has read. */
export interface MemoryConsolidationMarksTable {
  person_id: string;
  platform: string;
  conversation_id: string;
  last_log_id: string;
  at: Timestamp;
}
