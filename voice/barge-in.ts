// Barge-in: decide when a person talking over Helix means "stop". Pure: fed one VAD verdict per
// 20 ms frame and whether Helix is playing; returns `stop` once per playback when sustained speech
// passes the threshold. A backchannel ("mm-hm"), a cough or a noise burst is shorter and never stops it.

/** Options of {@link BargeIn}. */
export interface BargeInOptions {
  /** Speech over Helix needed to stop it, in ms. @defaultValue `400` */
  thresholdMs: number;
  /** A pause longer than this inside that speech starts the count again. @defaultValue `200` */
  maxGapMs: number;
  /** Length of one frame. @defaultValue `20` */
  frameMs: number;
}

export const DefaultBargeInOptions = { thresholdMs: 400, maxGapMs: 200, frameMs: 20 } as const satisfies BargeInOptions;

/** What a frame means for playback. */
export type BargeInDecision = 'none' | 'stop';

/** One listener's barge-in state (the pipeline keeps one per speaker). */
export class BargeIn {
  readonly options: BargeInOptions;
  #playing = false;
  #speechMs = 0;
  #gapMs = 0;
  #fired = false;

  constructor(options: Partial<BargeInOptions> = {}) {
    const o = { ...DefaultBargeInOptions, ...options };
    if (!(o.thresholdMs > 0)) throw new RangeError(`bargeIn.thresholdMs must be greater than 0 (got ${o.thresholdMs})`);
    if (!(o.frameMs > 0) || o.maxGapMs < 0) throw new RangeError('bargeIn.frameMs must be > 0 and maxGapMs >= 0');
    this.options = o;
  }

  get playing(): boolean {
    return this.#playing;
  }

  /** Helix started or stopped playing. Speech heard before playback started does not count. */
  setPlaying(playing: boolean): void {
    if (playing === this.#playing) return;
    this.#playing = playing;
    this.#reset();
  }

  /** One frame's VAD verdict. */
  frame(speech: boolean): BargeInDecision {
    if (!this.#playing || this.#fired) return 'none';
    if (speech) {
      this.#speechMs += this.options.frameMs;
      this.#gapMs = 0;
    } else if (this.#speechMs > 0) {
      this.#gapMs += this.options.frameMs;
      if (this.#gapMs > this.options.maxGapMs) this.#reset();
    }
    if (this.#speechMs >= this.options.thresholdMs) {
      this.#fired = true;
      return 'stop';
    }
    return 'none';
  }

  #reset(): void {
    this.#speechMs = 0;
    this.#gapMs = 0;
    this.#fired = false;
  }
}
