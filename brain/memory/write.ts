import { createHash } from 'node:crypto';
import { sql, type Insertable } from 'kysely';
import type { PersonId } from '../../identity/index.ts';
import type { MemoriesTable } from '../../store/schema-memories.ts';
import { parseNewMemory, type NewMemory } from './memory-input.ts';
import { vectorLiteral } from './memory-rows.ts';
import type { MemoryDeps, WriteOutcome } from './memory-types.ts';
import { supersedeFact } from './supersede.ts';

export type { WriteOutcome } from './memory-types.ts';

/**
 * Validates and stores one memory of `personId`. A retried write (same kind, key, text and provenance) is a
 * `duplicate`; a fact equal to the current one for its key is `unchanged`; a different fact supersedes the
 * current one (kept, marked with valid_to and superseded_by). Embeds the text when vectors are stored; an
 * embedder failure is logged and the memory is stored without a vector (full-text recall still finds it).
 */
export async function writeMemory(deps: MemoryDeps, personId: PersonId, input: unknown): Promise<WriteOutcome> {
  const m = parseNewMemory(input, deps.options.maxMemoryChars);
  const embedding = deps.vectors ? await embedOrNull(deps, m.text) : null;
  const row = insertableRow(personId, m, embedding ? deps.embedder.id : null);
  const values = embedding ? { ...row, embedding: sql`${vectorLiteral(embedding)}::vector` } : row;
  if (m.kind === 'fact') return deps.db.transaction().execute((trx) => supersedeFact(trx, personId, m, values as Insertable<MemoriesTable>));
  const inserted = await deps.db
    .insertInto('memories')
    .values(values as Insertable<MemoriesTable>)
    .onConflict((oc) => oc.columns(['person_id', 'dedupe_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: String(inserted.id), status: 'written', superseded: [] };
  const existing = await deps.db.selectFrom('memories').select('id').where('person_id', '=', personId).where('dedupe_key', '=', row.dedupe_key).executeTakeFirstOrThrow();
  return { id: String(existing.id), status: 'duplicate', superseded: [] };
}

function insertableRow(personId: PersonId, m: NewMemory, embeddingModel: string | null): Insertable<MemoriesTable> & { dedupe_key: string } {
  const p = m.provenance;
  return {
    person_id: personId,
    kind: m.kind,
    text: m.text,
    fact_key: m.factKey ?? null,
    valid_from: p.at,
    platform: p.platform,
    conversation_id: p.conversationId,
    event_id: p.eventId,
    at: p.at,
    source: m.source,
    dedupe_key: dedupeKey(m),
    embedding_model: embeddingModel,
  };
}

/** What makes two writes the same write: kind, key, text and provenance. */
function dedupeKey(m: NewMemory): string {
  const p = m.provenance;
  return createHash('sha256').update(JSON.stringify([m.kind, m.factKey ?? '', m.text, p.platform, p.conversationId, p.eventId])).digest('hex').slice(0, 40);
}

async function embedOrNull(deps: MemoryDeps, text: string): Promise<number[] | null> {
  try {
    const [v] = await deps.embedder.embed([text]);
    return v ?? null;
  } catch (err) {
    deps.log?.warn({ err, embedder: deps.embedder.id }, 'memory stored without a vector: the embedder failed (full-text recall still finds it)');
    return null;
  }
}
