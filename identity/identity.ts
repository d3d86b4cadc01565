import type { Kysely } from 'kysely';
import type { Database } from '../store/index.ts';
import { AccountLinking } from './account-linking.ts';
import { MoodKeeper, type Mood } from './mood.ts';
import { People } from './people.ts';
import { PersonMerger, repointColumn } from './person-merge.ts';
import { Relationships, type RelationshipState } from './relationship.ts';

export interface IdentityOptions {
  /** Lifetime of a link code. */
  linkCodeTtlMs: number;
  /** Half-life of the mood's distance from the temperament. */
  moodHalfLifeMs: number;
  /** Half-life of a relationship without contact. */
  relationshipHalfLifeMs: number;
  /** Where the mood rests (the persona's temperament). */
  temperament: Mood;
  /** Platforms an unlink may name. */
  platforms: readonly string[];
  /** In-memory cache lifetime of account → person and of relationship state. @defaultValue `60000` */
  cacheTtlMs?: number;
  /** Aggregate-only hooks for metrics. */
  onPersonCreated?: () => void;
  onRelationshipUpdate?: (s: RelationshipState) => void;
  now?: Date;
}

/** Everything identity: people, linking, relationships, mood, and the merge registry later tables join. */
export interface Identity {
  readonly people: People;
  readonly linking: AccountLinking;
  readonly relationships: Relationships;
  readonly mood: MoodKeeper;
  /** Register a person-owned table here (e.g. memories) so merges re-point its rows. */
  readonly merger: PersonMerger;
}

/** Builds identity over an open store and loads the last mood. */
export async function openIdentity(db: Kysely<Database>, opts: IdentityOptions): Promise<Identity> {
  const cacheTtlMs = opts.cacheTtlMs ?? 60_000;
  const relationships = new Relationships(db, { halfLifeMs: opts.relationshipHalfLifeMs, cacheTtlMs, ...(opts.onRelationshipUpdate ? { onUpdate: opts.onRelationshipUpdate } : {}) });
  const people = new People(db, {
    cacheTtlMs,
    onCreated: (person) => {
      relationships.prime(person, new Date());
      opts.onPersonCreated?.();
    },
  });
  const merger = new PersonMerger()
    .register(repointColumn('platform_accounts'))
    .register(repointColumn('link_codes'))
    .register(relationships.mergeTable());
  const linking = new AccountLinking(db, merger, {
    codeTtlMs: opts.linkCodeTtlMs,
    platforms: opts.platforms,
    onChanged: (changed) => {
      people.invalidate(...changed);
      relationships.invalidate(...changed);
    },
  });
  const mood = new MoodKeeper(db, { temperament: opts.temperament, halfLifeMs: opts.moodHalfLifeMs }, opts.now ?? new Date());
  await mood.load();
  return { people, linking, relationships, mood, merger };
}
