// The text-to-speech interface every engine implements.
import type { Pcm } from '../audio/pcm.ts';

/** A text-to-speech engine. */
export interface TtsEngine {
  /** Short name for logs and metrics (`local`, `wyoming`, `openai`). */
  readonly name: string;
  /** Speaks one sentence: 16-bit PCM at the engine's own rate. Must stop work and reject when `signal` aborts. */
  synthesize(text: string, options: { signal: AbortSignal }): Promise<Pcm>;
  /** Releases what the engine holds. Safe to call twice. */
  close?(): Promise<void> | void;
}
