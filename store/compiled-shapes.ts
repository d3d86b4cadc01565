import { CompiledQuery, type Compilable } from 'kysely';

/** Distinct query shapes kept; the least recently used is dropped beyond this. */
export const MAX_SHAPES = 256;

/** Where a compiled parameter comes from: the input's n-th leaf, or a value the query itself holds. */
type Slot = { leaf: number } | { constant: unknown };

interface Shape {
  readonly sql: string;
  readonly slots: readonly Slot[];
}

const MARK = '\u0000helix-leaf:';
const MARKED = /^\u0000helix-leaf:(\d+)\u0000$/;

/**
 * Kysely builds and compiles a query afresh on every call: for the turn's conversation-log statements that
 * was ~85 µs of the brain's main thread per turn (about a tenth of its CPU with the store, measured in the
 * closed-loop bench). This compiles each *shape* of a query once and afterwards only fills in the values.
 *
 * A shape is the query's input with its values taken out: its arrays' lengths, which fields are null, the
 * structure. On a shape's first call the query is built from the input with every value replaced by a marker,
 * compiled, and each parameter traced back to the value it came from. Later calls of the shape skip building
 * and compiling. Hand-written because Kysely has no compiled-query cache.
 *
 * The builder may depend on the input's structure (how many rows, which fields are null) but must only place
 * its values into the query as parameters, never decide anything from them (no `if`, no arithmetic, no
 * dedupe): anything derived is computed before and passed in the input. A value that lands in the SQL text
 * instead of a parameter, or an object (JSON) parameter, is caught and refused.
 */
export class CompiledShapes {
  readonly #shapes = new Map<string, Shape>();
  readonly #max: number;

  constructor(max = MAX_SHAPES) {
    this.#max = max;
  }

  /** Shapes compiled so far (for tests). */
  get size(): number {
    return this.#shapes.size;
  }

  /** The query `build` makes from `input`, compiled (from the cache when this shape of `name` was seen). */
  compile<I>(name: string, input: I, build: (input: I) => Compilable): CompiledQuery {
    const leaves: unknown[] = [];
    const key = `${name}|${signature(input, leaves)}`;
    let shape = this.#shapes.get(key);
    if (shape) {
      this.#shapes.delete(key);
      this.#shapes.set(key, shape);
    } else {
      shape = this.#compileShape(name, input, build, leaves.length);
      this.#shapes.set(key, shape);
      if (this.#shapes.size > this.#max) this.#shapes.delete(this.#shapes.keys().next().value!);
    }
    return CompiledQuery.raw(shape.sql, shape.slots.map((s) => ('leaf' in s ? leaves[s.leaf] : s.constant)));
  }

  #compileShape<I>(name: string, input: I, build: (input: I) => Compilable, leafCount: number): Shape {
    let n = 0;
    const marked = mapLeaves(input, () => `${MARK}${n++}\u0000`) as I;
    const compiled = build(marked).compile();
    if (compiled.sql.includes(MARK)) throw new Error(`${name}: a value was put into the SQL text, not passed as a parameter; it cannot be compiled once per shape`);
    const slots = compiled.parameters.map((p): Slot => {
      const m = typeof p === 'string' ? MARKED.exec(p) : null;
      if (m) return { leaf: Number(m[1]) };
      // An object parameter (a JSON value) would have been taken apart as structure: refuse it.
      if (!isLeaf(p) && p !== null) throw new Error(`${name}: an object is passed as a parameter; compile it per call`);
      return { constant: p };
    });
    if (n !== leafCount) throw new Error(`${name}: input changed while compiling`);
    return { sql: compiled.sql, slots };
  }
}

/** A value, as opposed to structure: what becomes a query parameter. */
function isLeaf(v: unknown): boolean {
  return v !== null && v !== undefined && (typeof v !== 'object' || v instanceof Date || ArrayBuffer.isView(v));
}

/**
 * The input's structure as text (values left out), its values appended to `leaves` in the same order
 * {@link mapLeaves} visits them. Keys are written as they are: they come from Helix's code, not from users.
 */
function signature(v: unknown, leaves: unknown[]): string {
  if (isLeaf(v)) {
    leaves.push(v);
    return '$';
  }
  if (v === null) return 'n';
  if (v === undefined) return 'u';
  let out: string;
  if (Array.isArray(v)) {
    out = '[';
    for (const x of v) out += `${signature(x, leaves)},`;
    return `${out}]`;
  }
  out = '{';
  for (const k in v as object) out += `${k}:${signature((v as Record<string, unknown>)[k], leaves)},`;
  return `${out}}`;
}

function mapLeaves(v: unknown, replace: () => string): unknown {
  if (isLeaf(v)) return replace();
  if (v === null || v === undefined) return v;
  if (Array.isArray(v)) return v.map((x) => mapLeaves(x, replace));
  const out: Record<string, unknown> = {};
  for (const k in v as object) out[k] = mapLeaves((v as Record<string, unknown>)[k], replace);
  return out;
}
