// The speech-to-text interface every engine implements, and the one bounded way the pipeline calls it.
import { HelixError, hasErrorCode, type Logger } from '../../mesh/index.ts';
import { isHallucination } from './hallucinations.ts';

/** Audio handed to speech-to-text: 16 kHz mono 16-bit. */
export const STT_RATE = 16_000;

/** What an engine heard. */
export interface SttResult {
  text: string;
  language?: string;
}

/** A speech-to-text engine. */
export interface SttEngine {
  /** Short name for logs and metrics (`local`, `wyoming`, `openai`). */
  readonly name: string;
  /** Transcribes one utterance of 16 kHz mono PCM. Must stop work and reject when `signal` aborts. */
  transcribe(samples: Int16Array, options: { signal: AbortSignal }): Promise<SttResult>;
  /** Releases what the engine holds. Safe to call twice. */
  close?(): Promise<void> | void;
}

/** Outcome of one bounded call. */
export type BoundedTranscript =
  | { ok: true; text: string; ms: number }
  | { ok: false; reason: 'empty' | 'hallucination' | 'error' | 'timeout' | 'aborted'; text?: string; ms: number };

/**
 * Calls the engine with a timeout (and the caller's signal chained in). Never throws: a failing or
 * hanging engine is logged and reported as not ok, so the call goes on. Known near-silence
 * hallucinations are filtered here.
 */
export async function transcribeBounded(
  engine: SttEngine,
  samples: Int16Array,
  options: { timeoutMs: number; logger: Logger; signal?: AbortSignal; extraHallucinations?: readonly string[] },
): Promise<BoundedTranscript> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new HelixError('voice_engine_timeout', `Speech-to-text (${engine.name}) took longer than ${options.timeoutMs} ms; raise voice.stt.timeoutMs or use a faster model.`));
  }, options.timeoutMs);
  timer.unref();
  try {
    // The race makes the bound hold even for an engine that ignores its signal.
    const aborted = new Promise<never>((_, reject) => {
      if (controller.signal.aborted) reject(controller.signal.reason as Error);
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
    });
    aborted.catch(() => {});
    const result = await Promise.race([engine.transcribe(samples, { signal: controller.signal }), aborted]);
    const text = result.text.trim();
    if (!text) return { ok: false, reason: 'empty', ms: ms() };
    if (isHallucination(text, options.extraHallucinations)) {
      options.logger.debug({ engine: engine.name, text }, 'voice: dropped a known speech-to-text hallucination');
      return { ok: false, reason: 'hallucination', text, ms: ms() };
    }
    return { ok: true, text, ms: ms() };
  } catch (err) {
    if (timedOut || hasErrorCode(err, 'voice_engine_timeout')) {
      options.logger.warn({ engine: engine.name, timeoutMs: options.timeoutMs, err }, 'voice: speech-to-text timed out; utterance dropped');
      return { ok: false, reason: 'timeout', ms: ms() };
    }
    if (options.signal?.aborted) return { ok: false, reason: 'aborted', ms: ms() };
    options.logger.warn({ engine: engine.name, err }, 'voice: speech-to-text failed; utterance dropped');
    return { ok: false, reason: 'error', ms: ms() };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
