// Endpointing: turns a speaker's stream of classified 20 ms frames into utterances. Pure: frames and
// their timestamps in, events out; no clock, no I/O.

/** Options of the endpointer. */
export interface EndpointerOptions {
  /** Silence after speech that ends the turn. @defaultValue `700` */
  silenceMs: number;
  /** Longest utterance: a speaker who never stops is cut here (and the next utterance starts). @defaultValue `15000` */
  maxUtteranceMs: number;
  /** Less speech than this in an utterance (a cough, a click, a burst of noise) is dropped. @defaultValue `250` */
  minSpeechMs: number;
  /** Audio kept from before the first speech frame, so soft onsets are not clipped. @defaultValue `200` */
  prerollMs: number;
  /** Silence kept after the last speech frame. @defaultValue `150` */
  tailMs: number;
  /** Length of one frame. @defaultValue `20` */
  frameMs: number;
}

export const DefaultEndpointerOptions = {
  silenceMs: 700,
  maxUtteranceMs: 15_000,
  minSpeechMs: 250,
  prerollMs: 200,
  tailMs: 150,
  frameMs: 20,
} as const satisfies EndpointerOptions;

/** One finished turn of one speaker. */
export interface EndpointedUtterance {
  /** 16 kHz mono samples, preroll and tail included. */
  samples: Int16Array;
  /** Timestamp of the first kept frame (preroll included). */
  startedAt: number;
  /** End of the last speech frame. */
  endedAt: number;
  /** Speech frames in it, in ms. */
  speechMs: number;
  /** `silence`: the speaker paused for `silenceMs`; `max`: cut at `maxUtteranceMs`; `flush`: the speaker left. */
  reason: 'silence' | 'max' | 'flush';
}

/** What a frame caused. */
export type EndpointEvent =
  | { type: 'start'; at: number }
  | { type: 'utterance'; utterance: EndpointedUtterance }
  | { type: 'discard'; speechMs: number; at: number };

interface Frame {
  samples: Int16Array;
  at: number;
}

/** One speaker's endpointer. */
export class Endpointer {
  readonly options: EndpointerOptions;
  #preroll: Frame[] = [];
  #frames: Frame[] = [];
  #active = false;
  #speechFrames = 0;
  #trailingSilenceMs = 0;
  #lastSpeechEnd = 0;
  #lastSpeechIndex = -1;

  constructor(options: Partial<EndpointerOptions> = {}) {
    const o = { ...DefaultEndpointerOptions, ...options };
    for (const key of ['silenceMs', 'maxUtteranceMs', 'frameMs'] as const) if (!(o[key] > 0)) throw new RangeError(`endpointing.${key} must be greater than 0 (got ${o[key]})`);
    if (o.minSpeechMs < 0 || o.prerollMs < 0 || o.tailMs < 0) throw new RangeError('endpointing.minSpeechMs, prerollMs and tailMs must not be negative');
    if (o.minSpeechMs > o.maxUtteranceMs) throw new RangeError(`endpointing.minSpeechMs (${o.minSpeechMs}) must not exceed maxUtteranceMs (${o.maxUtteranceMs})`);
    this.options = o;
  }

  /** True while an utterance is open. */
  get active(): boolean {
    return this.#active;
  }

  /** Feeds one frame that starts at `at` (ms); `speech` is the detector's verdict. */
  push(samples: Int16Array, speech: boolean, at: number): EndpointEvent[] {
    const { frameMs, prerollMs, silenceMs, maxUtteranceMs } = this.options;
    const frame = { samples, at };
    if (!this.#active) {
      if (!speech) {
        this.#preroll.push(frame);
        while (this.#preroll.length * frameMs > prerollMs) this.#preroll.shift();
        return [];
      }
      this.#active = true;
      this.#frames = this.#preroll;
      this.#preroll = [];
      this.#speechFrames = 0;
      this.#trailingSilenceMs = 0;
      this.#frames.push(frame);
      this.#markSpeech(at);
      return [{ type: 'start', at }];
    }
    this.#frames.push(frame);
    if (speech) this.#markSpeech(at);
    else this.#trailingSilenceMs += frameMs;
    if (this.#trailingSilenceMs >= silenceMs) return [this.#finish('silence', at + frameMs)];
    if (this.#frames.length * frameMs >= maxUtteranceMs) return [this.#finish('max', at + frameMs)];
    return [];
  }

  /** Closes an open utterance now (the speaker left, or the call ends). */
  flush(at: number): EndpointEvent[] {
    return this.#active ? [this.#finish('flush', at)] : [];
  }

  #markSpeech(at: number): void {
    this.#speechFrames++;
    this.#trailingSilenceMs = 0;
    this.#lastSpeechEnd = at + this.options.frameMs;
    this.#lastSpeechIndex = this.#frames.length - 1;
  }

  #finish(reason: EndpointedUtterance['reason'], at: number): EndpointEvent {
    const { frameMs, minSpeechMs, tailMs } = this.options;
    const frames = this.#frames;
    const speechMs = this.#speechFrames * frameMs;
    this.#active = false;
    this.#frames = [];
    this.#preroll = [];
    if (speechMs < minSpeechMs) return { type: 'discard', speechMs, at };
    const keep = reason === 'silence' ? Math.min(frames.length, this.#lastSpeechIndex + 1 + Math.ceil(tailMs / frameMs)) : frames.length;
    const kept = frames.slice(0, keep);
    const samples = new Int16Array(kept.reduce((n, f) => n + f.samples.length, 0));
    let off = 0;
    for (const f of kept) {
      samples.set(f.samples, off);
      off += f.samples.length;
    }
    const endedAt = reason === 'silence' ? this.#lastSpeechEnd : at;
    return { type: 'utterance', utterance: { samples, startedAt: kept[0]!.at, endedAt, speechMs, reason } };
  }
}
