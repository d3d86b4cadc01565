// A streaming windowed-sinc resampler for mono 16-bit PCM.
//
// Used for text-to-speech: engines speak at 22.05 kHz (espeak-ng, Piper) or 24 kHz (OpenAI pcm) and
// Discord wants 48 kHz. (Received speech needs none: libopus decodes it straight to 16 kHz, see opus.ts.)
// Why by hand: no installed package resamples (prism-media only pipes to ffmpeg, which is not a
// dependency; sox is a process per sentence). A Blackman-windowed sinc with 8 zero crossings per side
// keeps images and aliases (tested at 48 kHz -> 16 kHz) far below what a listener or STT notices. Rates are integers, so output sample n sits at input position n·M/L (L/M the reduced
// ratio): there are only L distinct fractional phases, and their filter taps are computed once. Each
// output sample is then one dot product (48 taps at 48k -> 16k, 16 when upsampling).

const ZERO_CROSSINGS = 8;
/** Past this many phases (an odd pair of rates) the taps are not tabulated but computed per sample. */
const MAX_PHASES = 1_024;

function kernel(x: number): number {
  const a = Math.abs(x);
  if (a >= ZERO_CROSSINGS) return 0;
  const sinc = a === 0 ? 1 : Math.sin(Math.PI * a) / (Math.PI * a);
  return sinc * (0.42 + 0.5 * Math.cos((Math.PI * a) / ZERO_CROSSINGS) + 0.08 * Math.cos((2 * Math.PI * a) / ZERO_CROSSINGS));
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Converts a mono stream from one sample rate to another, block by block, keeping state between blocks. */
export class Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  readonly #L: number; // phases (output rate / gcd)
  readonly #M: number; // input step per output, in phases (input rate / gcd)
  readonly #scale: number; // cutoff relative to the input Nyquist (< 1 when downsampling)
  readonly #hw: number; // kernel half-width in input samples
  readonly #taps: Float32Array | undefined; // [phase][2·hw] weights, when tabulated
  // Input not yet consumed, starting at absolute index #base. It starts with hw zeros, so the first
  // outputs need no bounds checks.
  #hist: Float32Array;
  #base: number;
  #pos = 0; // absolute input index at or before the next output
  #phase = 0; // its fractional offset, in 1/L of an input sample

  constructor(fromRate: number, toRate: number) {
    if (!(Number.isInteger(fromRate) && Number.isInteger(toRate) && fromRate > 0 && toRate > 0)) throw new RangeError(`sample rates must be positive integers (got ${fromRate} -> ${toRate})`);
    this.fromRate = fromRate;
    this.toRate = toRate;
    const g = gcd(fromRate, toRate);
    this.#L = toRate / g;
    this.#M = fromRate / g;
    this.#scale = Math.min(1, toRate / fromRate);
    this.#hw = Math.ceil(ZERO_CROSSINGS / this.#scale);
    this.#hist = new Float32Array(this.#hw);
    this.#base = -this.#hw;
    if (this.#L <= MAX_PHASES) {
      const width = 2 * this.#hw;
      this.#taps = new Float32Array(this.#L * width);
      for (let p = 0; p < this.#L; p++) {
        const frac = p / this.#L;
        for (let j = 0; j < width; j++) this.#taps[p * width + j] = kernel((frac - (j - this.#hw + 1)) * this.#scale) * this.#scale;
      }
    }
  }

  /** Feeds a block; returns every output sample that the input so far determines (the rest waits for more input). */
  push(input: Int16Array): Int16Array {
    if (this.fromRate === this.toRate) return input.slice();
    const joined = new Float32Array(this.#hist.length + input.length);
    joined.set(this.#hist);
    joined.set(input, this.#hist.length);
    this.#hist = joined;
    return this.#produce(Infinity);
  }

  /** Ends the stream: the tail is resampled against silence, and the resampler is ready for a new stream. */
  flush(): Int16Array {
    if (this.fromRate === this.toRate) return new Int16Array(0);
    const end = this.#base + this.#hist.length;
    const padded = new Float32Array(this.#hist.length + this.#hw + 1);
    padded.set(this.#hist);
    this.#hist = padded;
    const out = this.#produce(end);
    this.#hist = new Float32Array(this.#hw);
    this.#base = -this.#hw;
    this.#pos = 0;
    this.#phase = 0;
    return out;
  }

  #produce(end: number): Int16Array {
    const hist = this.#hist;
    const hw = this.#hw;
    const L = this.#L;
    const M = this.#M;
    const width = 2 * hw;
    const taps = this.#taps;
    const available = this.#base + hist.length;
    const count = Math.max(0, Math.ceil(((Math.min(available - hw, end) - this.#pos) * L - this.#phase) / M));
    const out = new Int16Array(count);
    let n = 0;
    while (this.#pos + hw < available && this.#pos < end && n < count) {
      const first = this.#pos - this.#base - hw + 1; // index in hist of the first tap
      let acc = 0;
      if (taps) {
        const row = this.#phase * width;
        for (let j = 0; j < width; j++) acc += hist[first + j]! * taps[row + j]!;
      } else {
        const frac = this.#phase / L;
        for (let j = 0; j < width; j++) acc += hist[first + j]! * kernel((frac - (j - hw + 1)) * this.#scale) * this.#scale;
      }
      const v = Math.round(acc);
      out[n++] = v > 32_767 ? 32_767 : v < -32_768 ? -32_768 : v;
      this.#phase += M;
      while (this.#phase >= L) {
        this.#phase -= L;
        this.#pos++;
      }
    }
    // Keep only what later outputs can still reach.
    const keepFrom = this.#pos - hw + 1 - this.#base;
    if (keepFrom > 0 && end === Infinity) {
      this.#hist = hist.slice(keepFrom);
      this.#base += keepFrom;
    }
    return n === count ? out : out.slice(0, n);
  }
}

/** Resamples a whole mono block in one go. */
export function resampleMono(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return input;
  const r = new Resampler(fromRate, toRate);
  const a = r.push(input);
  const b = r.flush();
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
