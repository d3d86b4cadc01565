import type { Kysely } from 'kysely';
import { WriteBatcher, type Database } from '../store/index.ts';
import type { PersonId } from './person-id.ts';
import type { PersonOwnedTable } from './person-merge.ts';
import { TtlCache } from './ttl-cache.ts';

/** How one message felt: `valence` -1 (hostile) .. 1 (warm), `arousal` 0 (calm) .. 1 (intense). */
export interface Appraisal {
  readonly valence: number;
  readonly arousal: number;
}

/** How Helix stands with one person. warmth and trust -1..1, familiarity 0..1; all decay toward 0. */
export interface RelationshipState {
  readonly warmth: number;
  readonly trust: number;
  readonly familiarity: number;
  /** Messages appraised so far. */
  readonly turns: number;
  readonly updatedAt: Date;
}

/** A stranger: nothing known yet. */
export function neutralRelationship(at: Date): RelationshipState {
  return { warmth: 0, trust: 0, familiarity: 0, turns: 0, updatedAt: at };
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Exponential decay toward 0: each half-life halves what is left. A clock that went backwards decays nothing. */
export function decayRelationship(s: RelationshipState, now: Date, halfLifeMs: number): RelationshipState {
  const dt = now.getTime() - s.updatedAt.getTime();
  if (dt <= 0) return s;
  const k = 0.5 ** (dt / halfLifeMs);
  return { warmth: s.warmth * k, trust: s.trust * k, familiarity: s.familiarity * k, turns: s.turns, updatedAt: now };
}

/**
 * One appraised message moves the relationship: warmth follows valence (more when intense), trust grows
 * slowly with kind messages and falls fast with hostile ones, and every exchange adds familiarity.
 */
export function applyAppraisal(s: RelationshipState, a: Appraisal): RelationshipState {
  const intensity = 0.5 + 0.5 * clamp(a.arousal, 0, 1);
  const v = clamp(a.valence, -1, 1);
  const warmth = clamp(s.warmth + 0.2 * v * intensity, -1, 1);
  const trust = clamp(v >= 0 ? s.trust + 0.04 * v * (1 - s.trust) : s.trust + 0.15 * v * intensity, -1, 1);
  const familiarity = clamp(s.familiarity + 0.05 * (1 - s.familiarity), 0, 1);
  return { warmth, trust, familiarity, turns: s.turns + 1, updatedAt: s.updatedAt };
}

/** Two people become one: warmth and trust are averaged by how much each was talked with; familiarity adds up. */
export function combineRelationships(a: RelationshipState, b: RelationshipState): RelationshipState {
  const total = a.turns + b.turns;
  const wa = total > 0 ? a.turns / total : 0.5;
  const wb = 1 - wa;
  return {
    warmth: a.warmth * wa + b.warmth * wb,
    trust: a.trust * wa + b.trust * wb,
    familiarity: 1 - (1 - a.familiarity) * (1 - b.familiarity),
    turns: total,
    updatedAt: a.updatedAt.getTime() >= b.updatedAt.getTime() ? a.updatedAt : b.updatedAt,
  };
}

/** A few words for the prompt: how warm, trusting and familiar Helix is with someone. */
export function describeRelationship(s: RelationshipState): string {
  const warmth = s.warmth > 0.5 ? 'very warm' : s.warmth > 0.15 ? 'warm' : s.warmth < -0.5 ? 'hurt and guarded' : s.warmth < -0.15 ? 'cool' : 'neutral';
  const trust = s.trust > 0.4 ? 'high trust' : s.trust > 0.1 ? 'some trust' : s.trust < -0.3 ? 'wary' : s.trust < -0.1 ? 'a little wary' : 'trust not yet earned';
  const fam = s.familiarity > 0.6 ? 'an old friend' : s.familiarity > 0.25 ? 'getting to know them' : 'new acquaintance';
  return `${warmth}, ${trust}, ${fam} (warmth ${s.warmth.toFixed(2)}, trust ${s.trust.toFixed(2)}, familiarity ${s.familiarity.toFixed(2)})`;
}

export interface RelationshipsOptions {
  /** Half-life of warmth, trust and familiarity without contact. */
  halfLifeMs: number;
  /** How long a person's state is kept in memory (another brain's writes show after this). @defaultValue `60000` */
  cacheTtlMs?: number;
  /** Called with each newly written state (aggregate metrics; never per person). */
  onUpdate?: (s: RelationshipState) => void;
}

type Row = { warmth: number; trust: number; familiarity: number; turns: number; updated_at: Date | string };
const fromRow = (r: Row): RelationshipState => ({
  warmth: Number(r.warmth), trust: Number(r.trust), familiarity: Number(r.familiarity), turns: Number(r.turns),
  updatedAt: r.updated_at instanceof Date ? r.updated_at : new Date(r.updated_at),
});

/** Per-person relationship state in the store: read once and cached, written once per turn per speaker. */
export class Relationships {
  readonly #db: Kysely<Database>;
  readonly #opts: RelationshipsOptions;
  readonly #cache: TtlCache<RelationshipState>;
  /** Turns answered at once save together: one upsert of many rows. */
  readonly #saves: WriteBatcher<{ person: PersonId; state: RelationshipState }>;

  constructor(db: Kysely<Database>, opts: RelationshipsOptions) {
    if (!(opts.halfLifeMs > 0)) throw new Error('relationship halfLifeMs must be greater than 0');
    this.#db = db;
    this.#opts = opts;
    this.#cache = new TtlCache(opts.cacheTtlMs ?? 60_000, 10_000);
    this.#saves = new WriteBatcher((saves) => this.#upsert(saves));
  }

  /** The state now (decayed since it was last written); a stranger's is neutral. */
  async get(person: PersonId, now: Date): Promise<RelationshipState> {
    return decayRelationship(await this.#stored(person, now), now, this.#opts.halfLifeMs);
  }

  /** The state after these appraisals, not yet written (the prompt shows it; {@link save} writes it). */
  async preview(person: PersonId, appraisals: readonly Appraisal[], now: Date): Promise<RelationshipState> {
    let s = await this.get(person, now);
    for (const a of appraisals) s = applyAppraisal(s, a);
    return s;
  }

  /** Writes a state (an upsert, shared with other turns' saves made meanwhile) and caches it. */
  async save(person: PersonId, s: RelationshipState): Promise<void> {
    await this.#saves.write({ person, state: s });
    this.#cache.set(person, s, Date.now());
    this.#opts.onUpdate?.(s);
  }

  /** One upsert for several saves; of two saves of one person, the later one is written (as if run in turn). */
  async #upsert(saves: readonly { person: PersonId; state: RelationshipState }[]): Promise<void> {
    const latest = new Map(saves.map((x) => [x.person, x.state]));
    await this.#db
      .insertInto('relationship_state')
      .values([...latest].map(([person, s]) => ({ person_id: person, warmth: s.warmth, trust: s.trust, familiarity: s.familiarity, turns: s.turns, updated_at: s.updatedAt })))
      .onConflict((oc) =>
        oc.column('person_id').doUpdateSet((eb) => ({
          warmth: eb.ref('excluded.warmth'),
          trust: eb.ref('excluded.trust'),
          familiarity: eb.ref('excluded.familiarity'),
          turns: eb.ref('excluded.turns'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  /** A person just created has no relationship yet: cache that, so their first turn reads nothing. */
  prime(person: PersonId, now: Date): void {
    this.#cache.set(person, neutralRelationship(now), Date.now());
  }

  /** Forgets cached state of these people (after a merge or an unlink). */
  invalidate(...people: readonly PersonId[]): void {
    for (const p of people) this.#cache.delete(p);
  }

  async #stored(person: PersonId, now: Date): Promise<RelationshipState> {
    const cached = this.#cache.get(person, Date.now());
    if (cached) return cached;
    const row = await this.#db.selectFrom('relationship_state').select(['warmth', 'trust', 'familiarity', 'turns', 'updated_at']).where('person_id', '=', person).executeTakeFirst();
    const s = row ? fromRow(row) : neutralRelationship(now);
    this.#cache.set(person, s, Date.now());
    return s;
  }

  /** The merge step for `relationship_state`: both decayed to the merge time, combined into `into`. */
  mergeTable(): PersonOwnedTable {
    const halfLifeMs = this.#opts.halfLifeMs;
    return {
      table: 'relationship_state',
      async merge(trx, into, from, now) {
        const rows = await trx.selectFrom('relationship_state').select(['person_id', 'warmth', 'trust', 'familiarity', 'turns', 'updated_at']).where('person_id', 'in', [into, from]).execute();
        const a = rows.find((r) => r.person_id === into);
        const b = rows.find((r) => r.person_id === from);
        if (!b) return;
        const combined = a ? combineRelationships(decayRelationship(fromRow(a), now, halfLifeMs), decayRelationship(fromRow(b), now, halfLifeMs)) : fromRow(b);
        const row = { warmth: combined.warmth, trust: combined.trust, familiarity: combined.familiarity, turns: combined.turns, updated_at: a ? now : combined.updatedAt };
        await trx.deleteFrom('relationship_state').where('person_id', '=', from).execute();
        await trx.insertInto('relationship_state').values({ person_id: into, ...row }).onConflict((oc) => oc.column('person_id').doUpdateSet(row)).execute();
      },
    };
  }
}
