import type { Kysely } from 'kysely';
import type { Database } from '../store/index.ts';
import type { Appraisal } from './relationship.ts';

/** Pleasure, arousal, dominance, each -1..1 (Mehrabian's PAD space). */
export interface Mood {
  readonly pleasure: number;
  readonly arousal: number;
  readonly dominance: number;
}

const clamp = (x: number) => Math.min(1, Math.max(-1, x));

/** Decays `mood` toward `temperament`: each half-life halves the distance. */
export function decayMood(mood: Mood, temperament: Mood, dtMs: number, halfLifeMs: number): Mood {
  if (dtMs <= 0) return mood;
  const k = 0.5 ** (dtMs / halfLifeMs);
  return {
    pleasure: temperament.pleasure + (mood.pleasure - temperament.pleasure) * k,
    arousal: temperament.arousal + (mood.arousal - temperament.arousal) * k,
    dominance: temperament.dominance + (mood.dominance - temperament.dominance) * k,
  };
}

/**
 * One appraised message nudges the mood: pleasure follows valence, arousal follows intensity (calm talk
 * settles it), and hostility makes Helix a little less sure of itself.
 */
export function moveMood(mood: Mood, a: Appraisal): Mood {
  const v = Math.min(1, Math.max(-1, a.valence));
  const ar = Math.min(1, Math.max(0, a.arousal));
  return {
    pleasure: clamp(mood.pleasure + 0.15 * v),
    arousal: clamp(mood.arousal + 0.2 * (ar - 0.3)),
    dominance: clamp(mood.dominance + (v < 0 ? 0.08 * v * (0.5 + ar) : 0.03 * v)),
  };
}

/** A few words for the prompt. */
export function describeMood(m: Mood): string {
  const p = m.pleasure > 0.4 ? 'cheerful' : m.pleasure > 0.1 ? 'content' : m.pleasure < -0.4 ? 'upset' : m.pleasure < -0.1 ? 'a bit low' : 'even';
  const a = m.arousal > 0.4 ? 'energised' : m.arousal < -0.2 ? 'calm' : 'steady';
  const d = m.dominance > 0.3 ? 'confident' : m.dominance < -0.2 ? 'unsure' : 'at ease';
  return `${p}, ${a}, ${d} (pleasure ${m.pleasure.toFixed(2)}, arousal ${m.arousal.toFixed(2)}, dominance ${m.dominance.toFixed(2)})`;
}

export interface MoodKeeperOptions {
  /** Where the mood rests: the persona's temperament. */
  temperament: Mood;
  /** Half-life of a mood's distance from the temperament. */
  halfLifeMs: number;
  /** Least time between two writes of the mood to the store. @defaultValue `10000` */
  persistEveryMs?: number;
}

/**
 * Helix's one global mood. Held in memory (read on every turn and every scrape), written to the store's
 * one-row `mood_state` at most every `persistEveryMs` and on close, so a restart keeps it.
 */
export class MoodKeeper {
  readonly #db: Kysely<Database>;
  readonly #opts: Required<MoodKeeperOptions>;
  #mood: Mood;
  #at: number;
  #dirty = false;
  #lastWrite = 0;

  constructor(db: Kysely<Database>, opts: MoodKeeperOptions, now: Date) {
    if (!(opts.halfLifeMs > 0)) throw new Error('mood halfLifeMs must be greater than 0');
    this.#db = db;
    this.#opts = { persistEveryMs: 10_000, ...opts };
    this.#mood = opts.temperament;
    this.#at = now.getTime();
  }

  /** Reads the last stored mood, if any. */
  async load(): Promise<void> {
    const row = await this.#db.selectFrom('mood_state').select(['pleasure', 'arousal', 'dominance', 'updated_at']).where('id', '=', 1).executeTakeFirst();
    if (!row) return;
    this.#mood = { pleasure: Number(row.pleasure), arousal: Number(row.arousal), dominance: Number(row.dominance) };
    this.#at = new Date(row.updated_at).getTime();
  }

  /** The mood at `now`, decayed toward the temperament. */
  current(now: Date): Mood {
    return decayMood(this.#mood, this.#opts.temperament, now.getTime() - this.#at, this.#opts.halfLifeMs);
  }

  /** Moves the mood with these appraisals; writes it when the last write is old enough. */
  async feel(appraisals: readonly Appraisal[], now: Date): Promise<Mood> {
    let m = this.current(now);
    for (const a of appraisals) m = moveMood(m, a);
    this.#mood = m;
    this.#at = Math.max(this.#at, now.getTime());
    this.#dirty = true;
    if (now.getTime() - this.#lastWrite >= this.#opts.persistEveryMs) await this.flush(now);
    return m;
  }

  /** Writes the mood if it changed since the last write. */
  async flush(now: Date = new Date()): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#lastWrite = now.getTime();
    const row = { ...this.#mood, updated_at: new Date(this.#at) };
    await this.#db.insertInto('mood_state').values({ id: 1, ...row }).onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
  }
}
