/**
 * Turns texts into vectors for memory recall. Every implementation returns unit-length vectors of
 * {@link Embedder.dims} numbers, one per input text, in input order.
 */
export interface Embedder {
  /** Names the model, stored beside each vector: vectors of different models are never compared. */
  readonly id: string;
  readonly dims: number;
  /** Embeds in-process at negligible cost (no model, no network): recall may embed before it knows it needs to. */
  readonly local?: boolean;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
  /** Releases what the embedder holds; safe to call twice. */
  close(): Promise<void>;
}

/** Scales a vector to unit length (a zero vector stays zero). */
export function l2Normalise(v: number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  if (sum === 0) return v;
  const inv = 1 / Math.sqrt(sum);
  return v.map((x) => x * inv);
}

/**
 * Fits a model's vector to the stored size: longer vectors are cut to `dims` and re-normalised (exact for
 * Matryoshka-trained models such as nomic-embed-text v1.5 and OpenAI text-embedding-3; a quality loss for
 * others), shorter ones are refused by the caller.
 */
export function fitDims(v: readonly number[], dims: number): number[] {
  return l2Normalise(v.length === dims ? [...v] : v.slice(0, dims));
}

/** Cosine similarity of two unit vectors (their dot product). */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}
