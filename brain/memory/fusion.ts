/** One ranked list of ids (best first) and how much its ranks count. */
export interface RankedList<K extends string> {
  readonly name: K;
  readonly ids: readonly string[];
  /** @defaultValue `1` */
  readonly weight?: number;
}

/** Reciprocal rank fusion's damping constant (Cormack et al., 2009). */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion: each id scores Σ weight / (RRF_K + rank) over the lists it appears in (rank from 1).
 * Ties keep the order of first appearance. Pure. Recall computes exactly this in SQL, inside its one search
 * statement (brain/memory/recall.ts); tests/integration/memory/recall-fusion.test.ts holds the two equal.
 * @see https://plg.uwaterloo.ca/~gvcormac/cormacksigir09-rrf.pdf
 */
export function reciprocalRankFusion<K extends string>(lists: readonly RankedList<K>[]): { id: string; score: number; via: K[] }[] {
  const scores = new Map<string, { id: string; score: number; via: K[] }>();
  for (const list of lists) {
    const w = list.weight ?? 1;
    if (w <= 0) continue;
    list.ids.forEach((id, i) => {
      const entry = scores.get(id) ?? { id, score: 0, via: [] };
      entry.score += w / (RRF_K + i + 1);
      if (!entry.via.includes(list.name)) entry.via.push(list.name);
      scores.set(id, entry);
    });
  }
  return [...scores.values()].sort((a, b) => b.score - a.score);
}
