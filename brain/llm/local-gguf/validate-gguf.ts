import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { HelixError } from '../../../mesh/index.ts';

/** What the header of a GGUF file says, for logs. */
export interface GgufSummary {
  version: number;
  architecture: string;
  /** `general.name`, when the file has one. */
  name: string | undefined;
  tensorCount: number;
  metadataCount: number;
  fileBytes: number;
}

/** Metadata value types (`gguf_metadata_value_type`) and the byte size of the fixed-size ones. */
const STRING = 8;
const ARRAY = 9;
const SCALAR_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/**
 * `[block size, bytes per block]` for each `ggml_type`, as the llama.cpp build in node-llama-cpp 3.21 reports
 * them (`getBlockSizeForGgmlType` / `getTypeSizeForGgmlType`). Ids 4, 5, 31–33 and 36–38 were removed from
 * ggml: a file that uses them cannot load. Ids past the table are newer types; their sizes are not checked.
 * @see https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (enum ggml_type)
 */
const GGML_TYPE_SIZES: ReadonlyArray<readonly [number, number]> = [
  [1, 4], [1, 2], [32, 18], [32, 20], [0, 0], [0, 0], [32, 22], [32, 24], [32, 34], [32, 36],
  [256, 84], [256, 110], [256, 144], [256, 176], [256, 210], [256, 292], [256, 66], [256, 74], [256, 98], [256, 50],
  [32, 18], [256, 110], [256, 82], [256, 136], [1, 1], [1, 2], [1, 4], [1, 8], [1, 8], [256, 56],
  [1, 2], [0, 0], [0, 0], [0, 0], [256, 54], [256, 66], [0, 0], [0, 0], [0, 0], [32, 17],
  [64, 36], [128, 18],
];

const HEADER_BYTES = 24;
/** ggml tensors have at most 4 dimensions (GGML_MAX_DIMS). */
const MAX_DIMS = 4;
/** Nested metadata arrays deeper than this are corruption, not data. */
const MAX_ARRAY_DEPTH = 4;
const DEFAULT_ALIGNMENT = 32;
const WINDOW_BYTES = 1 << 20;

/** A damaged header, reported as `model_file_invalid` with the path and the next step. */
class Damaged extends Error {}

/** Reads little-endian GGUF fields from a file through a 1 MiB window; never reads tensor data. */
class HeaderReader {
  readonly size: number;
  pos = 0;
  readonly #fd: number;
  readonly #buf = Buffer.alloc(WINDOW_BYTES);
  #start = 0;
  #end = 0;

  constructor(fd: number, size: number) {
    this.#fd = fd;
    this.size = size;
  }

  /** Makes `n` bytes from `pos` available in the window, or reports where the file ends. */
  #need(n: number, what: string): number {
    if (this.pos + n > this.size) throw new Damaged(`it ends at byte ${this.size} while reading ${what} (byte ${this.pos}): the file is truncated`);
    if (this.pos < this.#start || this.pos + n > this.#end) {
      const len = readSync(this.#fd, this.#buf, 0, Math.min(WINDOW_BYTES, this.size - this.pos), this.pos);
      this.#start = this.pos;
      this.#end = this.pos + len;
      if (len < n) throw new Damaged(`it could not be read past byte ${this.#end} while reading ${what}`);
    }
    const at = this.pos - this.#start;
    this.pos += n;
    return at;
  }

  skip(n: number, what: string): void {
    if (this.pos + n > this.size) throw new Damaged(`${what} runs past the end of the file (byte ${this.pos} + ${n} > ${this.size}): the file is truncated or its header is corrupt`);
    this.pos += n;
  }
  bytes(n: number, what: string): Buffer {
    const at = this.#need(n, what);
    return this.#buf.subarray(at, at + n);
  }
  u32(what: string): number {
    return this.#buf.readUInt32LE(this.#need(4, what));
  }
  u64(what: string): number {
    const v = this.#buf.readBigUInt64LE(this.#need(8, what));
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Damaged(`${what} is ${v}, which no real model has: the header is corrupt`);
    return Number(v);
  }
  /** A GGUF string: u64 length, then UTF-8 bytes. `maxBytes` guards against a corrupt length. */
  string(what: string, maxBytes: number): string {
    const len = this.u64(`the length of ${what}`);
    if (len > maxBytes) throw new Damaged(`${what} claims to be ${len} bytes long (at most ${maxBytes} expected): the header is corrupt`);
    if (len > WINDOW_BYTES) {
      this.skip(len, what);
      return '';
    }
    return this.bytes(len, what).toString('utf8');
  }
  skipString(what: string): void {
    this.skip(this.u64(`the length of ${what}`), what);
  }
}

/** Skips one metadata value of `type` (arrays included), checking every length against the file size. */
function skipValue(r: HeaderReader, type: number, key: string, depth = 0): void {
  const scalar = SCALAR_BYTES[type];
  if (scalar !== undefined) return r.skip(scalar, `the value of ${key}`);
  if (type === STRING) return r.skipString(`the value of ${key}`);
  if (type !== ARRAY) throw new Damaged(`metadata key "${key}" has unknown value type ${type}: the header is corrupt`);
  if (depth >= MAX_ARRAY_DEPTH) throw new Damaged(`metadata key "${key}" nests arrays ${depth} deep: the header is corrupt`);
  const itemType = r.u32(`the item type of ${key}`);
  const count = r.u64(`the length of ${key}`);
  const itemBytes = SCALAR_BYTES[itemType];
  if (itemBytes !== undefined) return r.skip(count * itemBytes, `the array ${key} (${count} items)`);
  // Strings and arrays take at least 8 bytes each: a count the rest of the file cannot hold is corruption.
  if (count * 8 > r.size - r.pos) throw new Damaged(`the array ${key} claims ${count} items, more than the file can hold: the header is corrupt`);
  for (let i = 0; i < count; i++) skipValue(r, itemType, key, depth + 1);
}

/** Checks the metadata and tensor table and that every tensor's data lies inside the file. */
function readHeader(r: HeaderReader): GgufSummary {
  const magic = r.bytes(4, 'the magic number');
  if (magic.toString('latin1') !== 'GGUF') {
    const shown = [...magic].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const printable = magic.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
    const old = ['lmgg', 'fmgg', 'tjgg'].includes(magic.toString('latin1')) ? ' (an old GGML/GGJT model: convert it to GGUF with llama.cpp\'s convert scripts)' : '';
    throw new Damaged(`it is not a GGUF file: it starts with bytes ${shown} ("${printable}"), not "GGUF"${old}`);
  }
  const version = r.u32('the format version');
  if (version === 1) throw new Damaged('it is GGUF version 1, which llama.cpp no longer loads; download a newer conversion of the model');
  if (version !== 2 && version !== 3) {
    const swapped = ((version & 0xff) << 24) | ((version & 0xff00) << 8) | ((version >>> 8) & 0xff00) | (version >>> 24);
    if (swapped === 2 || swapped === 3) throw new Damaged('it is a big-endian GGUF file, which this (little-endian) machine cannot run; download the little-endian build');
    throw new Damaged(`it declares GGUF version ${version}; this llama.cpp reads versions 2 and 3. Update node-llama-cpp or use another conversion`);
  }
  const tensorCount = r.u64('the tensor count');
  const metadataCount = r.u64('the metadata count');
  const left = r.size - r.pos;
  // Each metadata entry takes at least 13 bytes (key length, key, type, value), each tensor info at least 29.
  if (metadataCount * 13 > left || metadataCount > 1_000_000) throw new Damaged(`the header claims ${metadataCount} metadata entries, more than the file can hold: the file is truncated or its header is corrupt`);
  if (tensorCount * 29 > left || tensorCount > 1_000_000) throw new Damaged(`the header claims ${tensorCount} tensors, more than the file can hold: the file is truncated or its header is corrupt`);

  let architecture: string | undefined;
  let name: string | undefined;
  let alignment = DEFAULT_ALIGNMENT;
  for (let i = 0; i < metadataCount; i++) {
    const key = r.string(`metadata key #${i}`, 65_535);
    const type = r.u32(`the type of ${key}`);
    if (key === 'general.architecture' || key === 'general.name') {
      if (type !== STRING) throw new Damaged(`${key} should be a string but has type ${type}: the header is corrupt`);
      const value = r.string(key, 1_024);
      if (key === 'general.architecture') architecture = value;
      else name = value;
    } else if (key === 'general.alignment') {
      if (type !== 4) throw new Damaged(`general.alignment should be a uint32 but has type ${type}: the header is corrupt`);
      alignment = r.u32(key);
      if (alignment === 0 || (alignment & (alignment - 1)) !== 0) throw new Damaged(`general.alignment is ${alignment}, not a power of two: the header is corrupt`);
    } else {
      skipValue(r, type, key);
    }
  }
  if (!architecture) throw new Damaged('it has no general.architecture, so llama.cpp cannot tell what model it is (a GGUF that is not a language model, or a damaged header)');

  const tensors: Array<{ name: string; offset: number; bytes: number | undefined }> = [];
  for (let i = 0; i < tensorCount; i++) {
    const tensor = r.string(`the name of tensor #${i}`, 256);
    const dims = r.u32(`the dimension count of ${tensor}`);
    if (dims < 1 || dims > MAX_DIMS) throw new Damaged(`tensor ${tensor} has ${dims} dimensions (1 to ${MAX_DIMS} allowed): the header is corrupt`);
    let elements = 1;
    let first = 0;
    for (let d = 0; d < dims; d++) {
      const n = r.u64(`dimension ${d} of ${tensor}`);
      if (d === 0) first = n;
      elements *= n;
    }
    const type = r.u32(`the type of ${tensor}`);
    const offset = r.u64(`the data offset of ${tensor}`);
    const sizes = GGML_TYPE_SIZES[type];
    if (sizes && sizes[0] === 0) throw new Damaged(`tensor ${tensor} uses ggml type ${type}, which llama.cpp removed; download a newer conversion`);
    if (sizes && first % sizes[0] !== 0) throw new Damaged(`tensor ${tensor} has a row of ${first} values, not a multiple of its block size ${sizes[0]}: the header is corrupt`);
    if (offset % alignment !== 0) throw new Damaged(`tensor ${tensor} starts at offset ${offset}, not a multiple of the alignment ${alignment}: the header is corrupt`);
    tensors.push({ name: tensor, offset, bytes: sizes ? (elements / sizes[0]) * sizes[1] : undefined });
  }
  const dataStart = Math.ceil(r.pos / alignment) * alignment;
  for (const t of tensors) {
    const end = dataStart + t.offset + (t.bytes ?? 0);
    if (end > r.size) throw new Damaged(`tensor ${t.name} needs bytes up to ${end} but the file has only ${r.size}: the file is truncated (an interrupted download?)`);
  }
  return { version, architecture, name, tensorCount, metadataCount, fileBytes: r.size };
}

/**
 * Checks a GGUF model file before llama.cpp sees it: it exists, starts with `GGUF`, is version 2 or 3, has
 * sane counts, names its architecture, and holds every tensor it declares. Reads the metadata and tensor
 * table only (a few MB at most), never the weights. llama.cpp aborts the whole process on some bad files,
 * so this runs in the brain and the model itself loads in a child process.
 * @throws HelixError `model_file_invalid` naming the path, what is wrong and what to do.
 * @see https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */
export function validateGguf(path: string): GgufSummary {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be opened (${code ?? (err as Error).message})`;
    throw new HelixError('model_file_invalid', `Model file ${path} ${why}. Put a .gguf model there, or point llm.local.modelPath (or llm.local.modelsDir) at one.`, { cause: err });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new HelixError('model_file_invalid', `Model file ${path} is not a file. Point llm.local.modelPath at a .gguf file (or llm.local.modelsDir at the folder).`);
    if (stat.size < HEADER_BYTES) {
      throw new HelixError('model_file_invalid', `Model file ${path} is ${stat.size} bytes, too short for a GGUF header (${HEADER_BYTES} bytes): it is empty or truncated. Download it again.`);
    }
    return readHeader(new HeaderReader(fd, stat.size));
  } catch (err) {
    if (err instanceof Damaged) {
      throw new HelixError('model_file_invalid', `Model file ${path} cannot be used: ${err.message}. Download the model again or pick another .gguf file; Helix did not start llama.cpp on it.`, { cause: err });
    }
    throw err;
  } finally {
    closeSync(fd);
  }
}
