// Writes GGUF model files for tests: a tiny llama-architecture model with random weights that llama.cpp
// loads in milliseconds and generates from (gibberish, deterministic for a seed), and broken variants.
// Layout per the GGUF v3 spec (little-endian, 64-bit counts, tensor data aligned to `general.alignment`).
// @see https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
import { writeFileSync } from 'node:fs';

/** GGUF metadata value types used here (`gguf_metadata_value_type`). */
const T = { UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;
/** `ggml_type` F32: every tensor here is float32. */
const GGML_TYPE_F32 = 0;
const ALIGNMENT = 32;

/** The model's shape: 2 blocks of width 64 (4 heads of 16), feed-forward 128. */
const DIMS = { embd: 64, heads: 4, ff: 128, blocks: 2, contextLength: 4_096 } as const;

/** ChatML, as Qwen and many others ship it in `tokenizer.chat_template`. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** SentencePiece token types (`tokenizer.ggml.token_type`). */
const TOKEN = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 } as const;

interface Vocab {
  tokens: string[];
  types: number[];
  /** Tokens the model may generate: printable ASCII only, so a reply is readable and never ends early. */
  generable: boolean[];
}

/**
 * A SentencePiece ("llama") vocabulary: control tokens, the 256 `<0xXX>` byte-fallback tokens (type BYTE so
 * they decode to bytes), and printable ASCII as normal pieces (`▁` is SentencePiece's space).
 */
function byteLevelVocab(): Vocab {
  const tokens: string[] = [];
  const types: number[] = [];
  const generable: boolean[] = [];
  const add = (piece: string, type: number, gen: boolean) => {
    tokens.push(piece);
    types.push(type);
    generable.push(gen);
  };
  add('<unk>', TOKEN.UNKNOWN, false);
  add('<s>', TOKEN.CONTROL, false);
  add('</s>', TOKEN.CONTROL, false);
  add('<|im_start|>', TOKEN.CONTROL, false);
  add('<|im_end|>', TOKEN.CONTROL, false);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TOKEN.BYTE, false);
  add('\u2581', TOKEN.NORMAL, true);
  for (let c = 0x21; c <= 0x7e; c++) add(String.fromCharCode(c), TOKEN.NORMAL, true);
  return { tokens, types, generable };
}

/** mulberry32: a small seeded PRNG, so the same seed writes the same weights. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type MetaValue =
  | { type: typeof T.UINT32 | typeof T.INT32 | typeof T.FLOAT32; value: number }
  | { type: typeof T.BOOL; value: boolean }
  | { type: typeof T.STRING; value: string }
  | { type: typeof T.ARRAY; items: typeof T.STRING; value: string[] }
  | { type: typeof T.ARRAY; items: typeof T.INT32 | typeof T.FLOAT32; value: number[] };

interface TensorSpec {
  name: string;
  /** ggml order: ne[0] (the contiguous one) first. */
  dims: number[];
  data: Float32Array;
}

/** Appends little-endian GGUF fields to a growing list of buffers. */
class Writer {
  readonly parts: Buffer[] = [];
  length = 0;
  #push(b: Buffer) {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.#push(b);
  }
  i32(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.#push(b);
  }
  u64(v: number | bigint) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.#push(b);
  }
  f32(v: number) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.#push(b);
  }
  str(s: string) {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.#push(bytes);
  }
  raw(b: Buffer) {
    this.#push(b);
  }
  pad(alignment: number) {
    const n = (alignment - (this.length % alignment)) % alignment;
    if (n) this.#push(Buffer.alloc(n));
  }
  value(v: MetaValue) {
    this.u32(v.type);
    switch (v.type) {
      case T.UINT32:
        return this.u32(v.value);
      case T.INT32:
        return this.i32(v.value);
      case T.FLOAT32:
        return this.f32(v.value);
      case T.BOOL:
        return this.raw(Buffer.from([v.value ? 1 : 0]));
      case T.STRING:
        return this.str(v.value);
      case T.ARRAY:
        this.u32(v.items);
        this.u64(v.value.length);
        for (const item of v.value) {
          if (v.items === T.STRING) this.str(item as string);
          else if (v.items === T.INT32) this.i32(item as number);
          else this.f32(item as number);
        }
    }
  }
}

export interface TinyGgufOptions {
  /** Seeds the random weights; the same seed writes the same file. @defaultValue `1` */
  seed?: number;
  /** Metadata keys to leave out, to write a file llama.cpp cannot load (e.g. `llama.feed_forward_length`). */
  omitKeys?: readonly string[];
}

/** The metadata and tensors of the tiny model. */
function tinyModel(opts: TinyGgufOptions): { meta: Array<[string, MetaValue]>; tensors: TensorSpec[] } {
  const rand = prng(opts.seed ?? 1);
  const vocab = byteLevelVocab();
  const nVocab = vocab.tokens.length;
  const { embd, heads, ff, blocks, contextLength } = DIMS;
  const u32 = (value: number) => ({ type: T.UINT32, value }) as const;
  const meta: Array<[string, MetaValue]> = [
    ['general.architecture', { type: T.STRING, value: 'llama' }],
    ['general.name', { type: T.STRING, value: 'helix-tiny-test' }],
    ['general.alignment', u32(ALIGNMENT)],
    ['general.file_type', u32(0)], // ALL_F32
    ['llama.context_length', u32(contextLength)],
    ['llama.embedding_length', u32(embd)],
    ['llama.block_count', u32(blocks)],
    ['llama.feed_forward_length', u32(ff)],
    ['llama.rope.dimension_count', u32(embd / heads)],
    ['llama.attention.head_count', u32(heads)],
    ['llama.attention.head_count_kv', u32(heads)],
    ['llama.attention.layer_norm_rms_epsilon', { type: T.FLOAT32, value: 1e-5 }],
    ['llama.vocab_size', u32(nVocab)],
    ['tokenizer.ggml.model', { type: T.STRING, value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: T.ARRAY, items: T.STRING, value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: T.ARRAY, items: T.FLOAT32, value: vocab.tokens.map(() => 0) }],
    ['tokenizer.ggml.token_type', { type: T.ARRAY, items: T.INT32, value: vocab.types }],
    ['tokenizer.ggml.bos_token_id', u32(1)],
    ['tokenizer.ggml.eos_token_id', u32(4)], // <|im_end|>: ChatML ends a turn with it
    ['tokenizer.ggml.unknown_token_id', u32(0)],
    ['tokenizer.ggml.add_bos_token', { type: T.BOOL, value: true }],
    ['tokenizer.chat_template', { type: T.STRING, value: CHATML_TEMPLATE }],
  ];

  const scale = 1 / Math.sqrt(embd);
  const random = (n: number, s = scale) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * s * Math.sqrt(3));
  const ones = (n: number) => new Float32Array(n).fill(1);
  const output = random(embd * nVocab, 1);
  // A zero row gives a logit of exactly 0 while the printable tokens get random ones, so greedy decoding
  // never picks a control, end-of-turn or raw byte token: the reply is printable and runs to maxTokens.
  vocab.generable.forEach((gen, t) => gen || output.fill(0, t * embd, (t + 1) * embd));
  const tensors: TensorSpec[] = [
    { name: 'token_embd.weight', dims: [embd, nVocab], data: random(embd * nVocab, 1) },
    { name: 'output_norm.weight', dims: [embd], data: ones(embd) },
    { name: 'output.weight', dims: [embd, nVocab], data: output },
  ];
  for (let i = 0; i < blocks; i++) {
    tensors.push(
      { name: `blk.${i}.attn_norm.weight`, dims: [embd], data: ones(embd) },
      { name: `blk.${i}.attn_q.weight`, dims: [embd, embd], data: random(embd * embd) },
      { name: `blk.${i}.attn_k.weight`, dims: [embd, embd], data: random(embd * embd) },
      { name: `blk.${i}.attn_v.weight`, dims: [embd, embd], data: random(embd * embd) },
      { name: `blk.${i}.attn_output.weight`, dims: [embd, embd], data: random(embd * embd) },
      { name: `blk.${i}.ffn_norm.weight`, dims: [embd], data: ones(embd) },
      { name: `blk.${i}.ffn_gate.weight`, dims: [embd, ff], data: random(embd * ff) },
      { name: `blk.${i}.ffn_up.weight`, dims: [embd, ff], data: random(embd * ff) },
      { name: `blk.${i}.ffn_down.weight`, dims: [ff, embd], data: random(ff * embd, 1 / Math.sqrt(ff)) },
    );
  }
  const omit = new Set(opts.omitKeys ?? []);
  return { meta: meta.filter(([k]) => !omit.has(k)), tensors };
}

/** Serializes a GGUF v3 file: header, metadata, tensor infos, padding, aligned tensor data. */
function encodeGguf(meta: Array<[string, MetaValue]>, tensors: TensorSpec[]): Buffer {
  const w = new Writer();
  w.raw(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(meta.length);
  for (const [key, value] of meta) {
    w.str(key);
    w.value(value);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset += Math.ceil(t.data.byteLength / ALIGNMENT) * ALIGNMENT;
  }
  w.pad(ALIGNMENT);
  const dataStart = w.length;
  tensors.forEach((t, i) => {
    if (w.length - dataStart !== offsets[i]) throw new Error(`tiny-gguf: tensor ${t.name} misplaced`);
    w.raw(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.pad(ALIGNMENT);
  });
  return Buffer.concat(w.parts);
}

/**
 * Writes a tiny GGUF v3 llama model (~0.5 MB): a byte-level SentencePiece vocabulary, 2 blocks of width 64,
 * random f32 weights from `seed`, and a ChatML `tokenizer.chat_template`. Returns the file's size in bytes.
 */
export function writeTinyGguf(path: string, opts: TinyGgufOptions = {}): number {
  const { meta, tensors } = tinyModel(opts);
  const bytes = encodeGguf(meta, tensors);
  writeFileSync(path, bytes);
  return bytes.length;
}

/** Ways a model file can be broken. */
export type GgufDamage =
  /** A valid file cut off in its tensor data (an interrupted download). */
  | 'truncated'
  /** Cut off inside the metadata. */
  | 'truncated-header'
  /** Not a GGUF file at all: some other format's first bytes. */
  | 'wrong-magic'
  /** A well-formed header whose counts are absurd (corrupted bytes). */
  | 'bad-counts'
  /** Structurally valid, but without `llama.feed_forward_length`: llama.cpp aborts the whole process on it. */
  | 'missing-hparam';

/** Writes a broken model file of the given kind, derived from the tiny model. */
export function writeCorruptGguf(path: string, damage: GgufDamage, opts: Pick<TinyGgufOptions, 'seed'> = {}): void {
  if (damage === 'missing-hparam') {
    writeTinyGguf(path, { ...opts, omitKeys: ['llama.feed_forward_length'] });
    return;
  }
  const { meta, tensors } = tinyModel(opts);
  const good = encodeGguf(meta, tensors);
  switch (damage) {
    case 'truncated':
      writeFileSync(path, good.subarray(0, Math.floor(good.length * 0.6)));
      return;
    case 'truncated-header':
      writeFileSync(path, good.subarray(0, 200));
      return;
    case 'wrong-magic': {
      const bad = Buffer.from(good);
      bad.write('PK\u0003\u0004', 0, 'latin1'); // a zip file's signature
      writeFileSync(path, bad);
      return;
    }
    case 'bad-counts': {
      const bad = Buffer.from(good);
      bad.writeBigUInt64LE(0xffff_ffff_ffffn, 16); // metadata_kv_count
      writeFileSync(path, bad);
      return;
    }
  }
}
