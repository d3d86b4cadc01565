import type { Kysely } from 'kysely';
import type { PersonId } from '../../identity/index.ts';
import type { Logger } from '../../mesh/index.ts';
import type { Database } from '../../store/index.ts';
import type { Embedder } from './embedders/embedder.ts';
import type { MemoryKind } from './memory-input.ts';

/** One stored memory with where it came from. */
export interface Memory {
  readonly id: string;
  readonly personId: PersonId;
  readonly kind: MemoryKind;
  readonly text: string;
  /** Facts: what the fact is about (`dog.name`). */
  readonly factKey: string | undefined;
  readonly validFrom: Date;
  /** Set on a superseded fact (it is kept, never recalled as current). */
  readonly validTo: Date | undefined;
  readonly supersededBy: string | undefined;
  readonly provenance: { platform: string | undefined; conversationId: string | undefined; eventId: string | undefined; at: Date };
  readonly source: string;
}

/** A memory returned by recall, with its fused score and the retrievers that found it. */
export interface RecalledMemory extends Memory {
  readonly score: number;
  readonly via: readonly ('text' | 'vector' | 'recent')[];
}

/** What a write did: a new row, or nothing because the same memory was already held. */
export interface WriteOutcome {
  readonly id: string;
  readonly status: 'written' | 'duplicate' | 'unchanged';
  /** Facts: the ids of the facts this one superseded. */
  readonly superseded: readonly string[];
}

/** An account of a person, as the identity tables key it. */
export interface MemoryAccount {
  readonly platform: string;
  readonly accountId: string;
}

/** Looks up every platform account of a person (identity owns the table). */
export type AccountsOf = (personId: PersonId) => Promise<readonly MemoryAccount[]>;

/** What the memory functions share: the database, the embedder, and whether vectors are stored. */
export interface MemoryDeps {
  readonly db: Kysely<Database>;
  readonly backend: 'pglite' | 'postgres';
  readonly embedder: Embedder;
  /** True when the `embedding` column exists (pgvector available). */
  readonly vectors: boolean;
  /** pgvector 0.8+ `hnsw.iterative_scan` (keeps filtered HNSW scans from coming back short). */
  readonly iterativeScan: boolean;
  readonly options: MemoryOptions;
  readonly log: Logger | undefined;
}

/** Tunables of the memory library (the `memory` config section). */
export interface MemoryOptions {
  /** @defaultValue `8` */
  recallK: number;
  /** @defaultValue `50` */
  candidates: number;
  /** @defaultValue `100` */
  efSearch: number;
  /** @defaultValue `2000` */
  maxMemoryChars: number;
  /** @defaultValue `3` */
  recentExchanges: number;
}
export const DefaultMemoryOptions = { recallK: 8, candidates: 50, efSearch: 100, maxMemoryChars: 2_000, recentExchanges: 3 } as const satisfies MemoryOptions;
