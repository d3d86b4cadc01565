// Endpointing: turns a speaker's stream of classified 20 ms frames into utterances. Pure: frames and
// their timestamps in, events out; no clock, no I/O.
//
// The end-of-turn silence is counted from the end of the speech, not from when the VAD lets go of it:
// WebRTC's VAD keeps saying "speech" for a few frames after the voice stops (its hangover), and the Opus
// decoder rings on for a frame or two, falling fast. A speech frame that directly follows speech, is at
// least 3 dB quieter than the frame before it, is much weaker than the recent speech (`weakSpeechDb` under
// its peak) and comes within `hangoverMs` of the speech's end is that fading tail: it stays in the
// utterance's audio, but does not restart the silence count. Anything else the VAD calls speech does: a
// soft consonant after a pause (the release of a final "k"), a slow fade, a level that rises again, weak
// speech that goes on past `hangoverMs`. So the count starts at most `hangoverMs` early, and only over a
// fast-fading tail.

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
  /** Weak speech this soon after stronger speech is the VAD's hangover or the codec's ring-out, not new speech (see above). @defaultValue `100` */
  hangoverMs: number;
  /** A speech frame this many dB under the recent speech peak is weak (may be the fading tail; see above). @defaultValue `20` */
  weakSpeechDb: number;
}

export const DefaultEndpointerOptions = {
  silenceMs: 700,
  maxUtteranceMs: 15_000,
  minSpeechMs: 250,
  prerollMs: 200,
  tailMs: 150,
  frameMs: 20,
  hangoverMs: 100,
  weakSpeechDb: 20,
} as const satisfies EndpointerOptions;

/** One finished turn of one speaker. */
export interface EndpointedUtterance {
  /** 16 kHz mono samples, preroll and tail included. */
  samples: Int16Array;
  /** Timestamp of the first kept frame (preroll included). */
  startedAt: number;
  /** End of the speech: of the last speech frame, the VAD's hangover and the codec's ring-out left out (see above). */
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

/** How fast the recent speech peak falls, in dB per frame (25 dB/s at 20 ms). */
const PEAK_DECAY_DB_PER_FRAME = 0.5;
/** A tail frame is at least this much quieter than the one before it (150 dB/s: the codec's ring-out, not a voice fading). */
const TAIL_DROP_DB = 3;

/** One speaker's endpointer. */
export class Endpointer {
  readonly options: EndpointerOptions;
  #preroll: Frame[] = [];
  #frames: Frame[] = [];
  #active = false;
  #speechFrames = 0;
  #trailingSilenceMs = 0;
  #lastSpeechEnd = 0;
  /** Index of the last speech frame, strong or weak (the audio is kept up to it, plus `tailMs`). */
  #lastAudioIndex = -1;
  #peakDb = Number.NEGATIVE_INFINITY;
  /** Level of the previous frame if it was speech (strong or tail). */
  #prevSpeechDb: number | undefined;

  constructor(options: Partial<EndpointerOptions> = {}) {
    const o = { ...DefaultEndpointerOptions, ...options };
    for (const key of ['silenceMs', 'maxUtteranceMs', 'frameMs'] as const) if (!(o[key] > 0)) throw new RangeError(`endpointing.${key} must be greater than 0 (got ${o[key]})`);
    if (o.minSpeechMs < 0 || o.prerollMs < 0 || o.tailMs < 0 || o.hangoverMs < 0 || o.weakSpeechDb < 0) throw new RangeError('endpointing.minSpeechMs, prerollMs, tailMs, hangoverMs and weakSpeechDb must not be negative');
    if (o.minSpeechMs > o.maxUtteranceMs) throw new RangeError(`endpointing.minSpeechMs (${o.minSpeechMs}) must not exceed maxUtteranceMs (${o.maxUtteranceMs})`);
    this.options = o;
  }

  /** True while an utterance is open. */
  get active(): boolean {
    return this.#active;
  }

  /**
   * When the open utterance ends if nothing but silence follows: the end of the speech plus `silenceMs`
   * (in the frames' time). `undefined` when no utterance is open.
   */
  get silenceDeadline(): number | undefined {
    return this.#active ? this.#lastSpeechEnd + this.options.silenceMs : undefined;
  }

  /**
   * Feeds one frame that starts at `at` (ms); `speech` is the detector's verdict, `dbfs` the frame's level
   * (without it every speech frame counts as strong: no hangover is taken out).
   */
  push(samples: Int16Array, speech: boolean, at: number, dbfs?: number): EndpointEvent[] {
    const { frameMs, prerollMs, silenceMs, maxUtteranceMs } = this.options;
    const frame = { samples, at };
    this.#peakDb -= PEAK_DECAY_DB_PER_FRAME;
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
      this.#peakDb = dbfs ?? Number.NEGATIVE_INFINITY;
      this.#prevSpeechDb = dbfs;
      this.#frames.push(frame);
      this.#markSpeech(at);
      return [{ type: 'start', at }];
    }
    this.#frames.push(frame);
    const prev = this.#prevSpeechDb;
    this.#prevSpeechDb = speech ? dbfs : undefined;
    if (speech) {
      const tail = dbfs !== undefined && prev !== undefined && dbfs <= prev - TAIL_DROP_DB && dbfs < this.#peakDb - this.options.weakSpeechDb && at < this.#lastSpeechEnd + this.options.hangoverMs;
      if (dbfs !== undefined) this.#peakDb = Math.max(this.#peakDb, dbfs);
      if (!tail) this.#markSpeech(at);
      else {
        // The tail of the speech before it: in the audio, but the silence count runs on.
        this.#speechFrames++;
        this.#lastAudioIndex = this.#frames.length - 1;
        this.#trailingSilenceMs += frameMs;
      }
    } else this.#trailingSilenceMs += frameMs;
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
    this.#lastAudioIndex = this.#frames.length - 1;
  }

  #finish(reason: EndpointedUtterance['reason'], at: number): EndpointEvent {
    const { frameMs, minSpeechMs, tailMs } = this.options;
    const frames = this.#frames;
    const speechMs = this.#speechFrames * frameMs;
    this.#active = false;
    this.#frames = [];
    this.#preroll = [];
    if (speechMs < minSpeechMs) return { type: 'discard', speechMs, at };
    const keep = reason === 'silence' ? Math.min(frames.length, this.#lastAudioIndex + 1 + Math.ceil(tailMs / frameMs)) : frames.length;
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
