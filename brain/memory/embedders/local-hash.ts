import { l2Normalise, type Embedder } from './embedder.ts';

/** Words that carry no topic; left out of unigrams and bigrams (still inside character trigrams). */
const STOP = new Set(
  'a an and are as at be but by do does did for from has have had he her his i i\'m im is it its me my of on or our she so that the their them they this to was we were what when where which who will with you your'.split(' '),
);

/**
 * The offline embedder: feature hashing (the "hashing trick") of word unigrams, word bigrams and character
 * trigrams into 384 signed buckets, L2-normalised. Deterministic, no model file, ~20 µs per sentence.
 *
 * Honest quality note: this measures shared words and word pieces, not meaning. "my dog Juno" is close to
 * "Juno the dog", and "moving to Lisbon" is close to "Lisbon move" (trigrams catch inflections), but
 * "puppy" is not close to "dog" and "where do I live" only finds "I live in Lisbon" because both say
 * "live". Recall leans on full-text search for the same reason; configure Ollama or an OpenAI-compatible
 * embedder for semantic similarity.
 */
export class LocalHashEmbedder implements Embedder {
  readonly id = 'local-hash-v1';
  readonly local = true;
  readonly dims: number;

  constructor(dims = 384) {
    if (!Number.isInteger(dims) || dims < 16) throw new Error('dims must be an integer of at least 16');
    this.dims = dims;
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((t) => this.embedOne(t));
  }

  /** Synchronous form, for benchmarks and bulk loads. */
  embedOne(text: string): number[] {
    const v = new Array<number>(this.dims).fill(0);
    const words = tokenize(text);
    const content = words.filter((w) => !STOP.has(w)).map(stem);
    for (const w of content) add(v, `w:${w}`, 1);
    for (let i = 0; i + 1 < content.length; i++) add(v, `b:${content[i]} ${content[i + 1]}`, 0.7);
    for (const w of content) {
      const padded = ` ${w} `;
      for (let i = 0; i + 3 <= padded.length; i++) add(v, `c:${padded.slice(i, i + 3)}`, 0.35);
    }
    return l2Normalise(v);
  }

  async close(): Promise<void> {}
}

/** Lower-case words of letters and digits (Unicode-aware); possessive 's and apostrophes dropped. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().replaceAll(/['’]s\b/g, '').replaceAll(/['’]/g, '').match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** A crude stem: a plural's final s (dogs → dog, not glass); keeps "March" and "Juno" as they are. */
function stem(w: string): string {
  return w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is') ? w.slice(0, -1) : w;
}

/** Adds `weight` to the feature's bucket with a sign from a second hash bit (keeps collisions unbiased). */
function add(v: number[], feature: string, weight: number): void {
  const h = fnv1a(feature);
  const i = h % v.length;
  v[i]! += (h & 0x80000000) === 0 ? weight : -weight;
}

/** 32-bit FNV-1a over UTF-16 code units, then murmur3's finaliser (FNV alone spreads short strings poorly over the low bits). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
