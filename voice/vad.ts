// Voice-activity detection: WebRTC's VAD (libfvad, as WASM) plus two checks it lacks, so that silence
// and noise never become an utterance: an energy floor, and spectral flatness (steady broadband noise
// passes WebRTC VAD at moderate levels; see audio/flatness.ts).
import fvad, { type FvadModule } from '@echogarden/fvad-wasm';

export type { FvadModule };
import { spectralFlatness } from './audio/flatness.ts';
import { rmsDbfs } from './audio/pcm.ts';

/** VAD works on 16 kHz mono. */
export const VAD_RATE = 16_000;
/** One VAD frame: 20 ms = 320 samples at 16 kHz (libfvad accepts 10, 20 or 30 ms). */
export const VAD_FRAME_SAMPLES = 320;
export const VAD_FRAME_MS = 20;

export interface SpeechDetectorOptions {
  /** WebRTC VAD mode, 0 (lenient) to 3 (strict). @defaultValue `2` */
  aggressiveness: 0 | 1 | 2 | 3;
  /** Frames quieter than this (dBFS) are never speech. @defaultValue `-50` */
  energyFloorDbfs: number;
  /** Frames flatter than this (0 tonal .. 1 white noise) are never speech. @defaultValue `0.4` */
  maxFlatness: number;
}

export const DefaultSpeechDetectorOptions = {
  aggressiveness: 2,
  energyFloorDbfs: -50,
  maxFlatness: 0.4,
} as const satisfies SpeechDetectorOptions;

/** What one 20 ms frame is. */
export interface FrameVerdict {
  speech: boolean;
  /** WebRTC VAD's own answer. */
  vad: boolean;
  dbfs: number;
  flatness: number;
}

let modulePromise: Promise<FvadModule> | undefined;
/** Loads libfvad's WASM module, once per process; each detector holds its own state in it. */
export function loadVad(): Promise<FvadModule> {
  modulePromise ??= fvad();
  return modulePromise;
}

/** Classifies 20 ms frames of 16 kHz mono as speech or not. One per speaker (libfvad keeps state). */
export class SpeechDetector {
  readonly options: SpeechDetectorOptions;
  #mod: FvadModule;
  #handle: number;
  #buf: number;

  /** A detector on an already loaded module (see {@link loadVad}); synchronous, so a new speaker costs no await. */
  constructor(mod: FvadModule, options: Partial<SpeechDetectorOptions> = {}) {
    this.options = { ...DefaultSpeechDetectorOptions, ...options };
    this.#mod = mod;
    this.#handle = mod._fvad_new();
    if (this.#handle === 0) throw new Error('libfvad could not allocate a VAD instance');
    if (mod._fvad_set_sample_rate(this.#handle, VAD_RATE) !== 0) throw new Error('libfvad refused 16 kHz');
    if (mod._fvad_set_mode(this.#handle, this.options.aggressiveness) !== 0) throw new RangeError(`vad.aggressiveness must be 0-3 (got ${this.options.aggressiveness})`);
    this.#buf = mod._malloc(VAD_FRAME_SAMPLES * 2);
  }

  /** Loads the WASM module (once per process) and makes a detector. */
  static async create(options: Partial<SpeechDetectorOptions> = {}): Promise<SpeechDetector> {
    return new SpeechDetector(await loadVad(), options);
  }

  /** Judges one 320-sample frame. */
  classify(frame: Int16Array): FrameVerdict {
    if (this.#handle === 0) throw new Error('SpeechDetector used after close()');
    if (frame.length !== VAD_FRAME_SAMPLES) throw new RangeError(`a VAD frame is ${VAD_FRAME_SAMPLES} samples, got ${frame.length}`);
    const dbfs = rmsDbfs(frame);
    if (dbfs < this.options.energyFloorDbfs) return { speech: false, vad: false, dbfs, flatness: 1 };
    // HEAP16 may be replaced when the WASM memory grows: read it on every call.
    this.#mod.HEAP16.set(frame, this.#buf >> 1);
    const vad = this.#mod._fvad_process(this.#handle, this.#buf, VAD_FRAME_SAMPLES) === 1;
    if (!vad) return { speech: false, vad, dbfs, flatness: 1 };
    const flatness = spectralFlatness(frame, VAD_RATE);
    return { speech: flatness <= this.options.maxFlatness, vad, dbfs, flatness };
  }

  /** Frees the libfvad state. Safe to call twice. */
  close(): void {
    if (this.#handle === 0) return;
    this.#mod._free(this.#buf);
    this.#mod._fvad_free(this.#handle);
    this.#handle = 0;
  }
}
