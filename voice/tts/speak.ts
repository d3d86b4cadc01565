// speak(): a streamed reply → 20 ms Opus frames (48 kHz stereo), sentence by sentence. Synthesis of
// the first sentence starts as soon as it is complete, while the rest of the text is still coming;
// later sentences are synthesized while earlier ones play. A sentence whose synthesis fails or hangs
// is logged and skipped. Stop playback by aborting `signal` or by leaving the loop. A synthesized sentence
// is resampled and encoded a little at a time as its frames are asked for, so its first frame costs
// 60 ms of audio's worth of work, not the whole sentence's.
import type { Logger } from '../../mesh/index.ts';
import { FRAME_SAMPLES, OPUS_CHANNELS, OPUS_RATE, OpusFrameEncoder } from '../audio/opus.ts';
import { downmixToMono, upmix, type Pcm } from '../audio/pcm.ts';
import { Resampler, resampleMono } from '../audio/resample.ts';
import type { TtsEngine } from './engine.ts';
import { SentenceSplitter } from './sentences.ts';

/** Options of {@link speak}. */
export interface SpeakOptions {
  logger: Logger;
  /** Longest one sentence's synthesis may take. @defaultValue `15000` */
  timeoutMs?: number;
  /** Abort to stop at once (barge-in). */
  signal?: AbortSignal;
  /** Called as each sentence's synthesis starts (for logs and tests). */
  onSentence?: (sentence: string) => void;
  /** Called when a sentence's synthesis succeeded, with the time the engine took (ms). */
  onSynthesized?: (sentence: string, engineMs: number) => void;
}

/** Engine audio resampled per block of this much (ms): the first frame waits for one block, not the sentence. */
const RESAMPLE_BLOCK_MS = 60;

/** Text as it streams from the model: an async iterable of deltas, or the whole text. */
export type ReplyText = string | Iterable<string> | AsyncIterable<string>;

/** 48 kHz stereo PCM of one sentence, ready to cut into frames. */
export function toDiscordPcm(pcm: Pcm): Int16Array {
  const mono = downmixToMono(pcm.samples, pcm.channels);
  return upmix(resampleMono(mono, pcm.sampleRate, OPUS_RATE), OPUS_CHANNELS);
}

/** {@link toDiscordPcm} block by block (the same samples, joined). */
export function* toDiscordPcmBlocks(pcm: Pcm, blockMs = RESAMPLE_BLOCK_MS): Generator<Int16Array> {
  const mono = downmixToMono(pcm.samples, pcm.channels);
  if (pcm.sampleRate === OPUS_RATE) {
    yield upmix(mono, OPUS_CHANNELS);
    return;
  }
  const resampler = new Resampler(pcm.sampleRate, OPUS_RATE);
  const block = Math.max(1, Math.round((pcm.sampleRate * blockMs) / 1_000));
  for (let at = 0; at < mono.length; at += block) yield upmix(resampler.push(mono.subarray(at, at + block)), OPUS_CHANNELS);
  yield upmix(resampler.flush(), OPUS_CHANNELS);
}

/** Opus frames of the spoken reply, for `createAudioResource(frames, { inputType: StreamType.Opus })`. */
export async function* speak(text: ReplyText, engine: TtsEngine, options: SpeakOptions): AsyncGenerator<Buffer> {
  const { logger, timeoutMs = 15_000 } = options;
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const queue: Array<Promise<Pcm | null>> = [];
  let textDone = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  let chain: Promise<unknown> = Promise.resolve();
  const enqueue = (sentence: string) => {
    const p = chain.then(() => synthesizeBounded(engine, sentence, timeoutMs, stop.signal, logger, options));
    chain = p;
    queue.push(p);
    notify();
  };

  void (async () => {
    const splitter = new SentenceSplitter();
    try {
      if (typeof text === 'string') {
        for (const s of splitter.push(text)) enqueue(s);
      } else {
        for await (const delta of text) {
          if (stop.signal.aborted) return;
          for (const s of splitter.push(delta)) enqueue(s);
        }
      }
      for (const s of splitter.flush()) enqueue(s);
    } catch (err) {
      logger.warn({ err }, 'voice: the reply text stream failed; speaking what arrived');
      for (const s of splitter.flush()) enqueue(s);
    } finally {
      textDone = true;
      notify();
    }
  })();

  const encoder = new OpusFrameEncoder();
  const frameLen = FRAME_SAMPLES * OPUS_CHANNELS;
  let pending = new Int16Array(0);
  try {
    for (;;) {
      if (stop.signal.aborted) return;
      const next = queue.shift();
      if (!next) {
        if (textDone) break;
        await new Promise<void>((resolve) => {
          const done = () => {
            stop.signal.removeEventListener('abort', done);
            resolve();
          };
          wake = done;
          stop.signal.addEventListener('abort', done, { once: true });
        });
        continue;
      }
      const pcm = await next;
      if (!pcm || stop.signal.aborted) continue;
      for (const stereo of toDiscordPcmBlocks(pcm)) {
        const joined = new Int16Array(pending.length + stereo.length);
        joined.set(pending);
        joined.set(stereo, pending.length);
        let at = 0;
        for (; at + frameLen <= joined.length; at += frameLen) {
          if (stop.signal.aborted) return;
          yield encoder.encode(joined.subarray(at, at + frameLen));
        }
        pending = joined.slice(at);
      }
    }
    if (pending.length > 0 && !stop.signal.aborted) {
      const last = new Int16Array(frameLen);
      last.set(pending);
      yield encoder.encode(last);
    }
  } finally {
    // Reached on the end, on abort, and when the consumer leaves the loop: cancel what is still running.
    stop.abort(new Error('speak() finished'));
    options.signal?.removeEventListener('abort', onAbort);
    encoder.close();
  }
}

async function synthesizeBounded(engine: TtsEngine, sentence: string, timeoutMs: number, signal: AbortSignal, logger: Logger, hooks: Pick<SpeakOptions, 'onSentence' | 'onSynthesized'>): Promise<Pcm | null> {
  if (signal.aborted) return null;
  hooks.onSentence?.(sentence);
  const t0 = performance.now();
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  timer.unref();
  try {
    const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true }));
    aborted.catch(() => {});
    const pcm = await Promise.race([engine.synthesize(sentence, { signal: controller.signal }), aborted]);
    hooks.onSynthesized?.(sentence, performance.now() - t0);
    return pcm;
  } catch (err) {
    if (!signal.aborted) {
      const timedOut = controller.signal.aborted;
      logger.warn({ engine: engine.name, err, timeoutMs, chars: sentence.length, code: timedOut ? 'voice_engine_timeout' : undefined }, timedOut ? 'voice: text-to-speech timed out; sentence skipped' : 'voice: text-to-speech failed; sentence skipped');
    }
    return null;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
