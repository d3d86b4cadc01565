import type { PersonId } from '../../identity/index.ts';
import type { Memory } from './memory-types.ts';

/** The columns every memory read selects. */
export const MEMORY_COLUMNS = ['id', 'person_id', 'kind', 'text', 'fact_key', 'valid_from', 'valid_to', 'superseded_by', 'platform', 'conversation_id', 'event_id', 'at', 'source'] as const;

export interface MemoryRow {
  id: string;
  person_id: string;
  kind: Memory['kind'];
  text: string;
  fact_key: string | null;
  valid_from: Date | string;
  valid_to: Date | string | null;
  superseded_by: string | null;
  platform: string | null;
  conversation_id: string | null;
  event_id: string | null;
  at: Date | string;
  source: string;
}

const date = (d: Date | string) => (d instanceof Date ? d : new Date(d));

/** A database row as a {@link Memory}. */
export function toMemory(r: MemoryRow): Memory {
  return {
    id: String(r.id),
    personId: r.person_id as PersonId,
    kind: r.kind,
    text: r.text,
    factKey: r.fact_key ?? undefined,
    validFrom: date(r.valid_from),
    validTo: r.valid_to === null ? undefined : date(r.valid_to),
    supersededBy: r.superseded_by === null ? undefined : String(r.superseded_by),
    provenance: { platform: r.platform ?? undefined, conversationId: r.conversation_id ?? undefined, eventId: r.event_id ?? undefined, at: date(r.at) },
    source: r.source,
  };
}

/** A vector as pgvector's text input (`[0.1,0.2,...]`). */
export function vectorLiteral(v: readonly number[]): string {
  return `[${v.map((x) => (Math.round(x * 1e6) / 1e6).toString()).join(',')}]`;
}
