// VoicePipeline: one per voice call. Raw Opus packets per speaker in; `utterance` and then
// `transcript` events out. Each speaker has their own decoder, resampler, VAD, endpointer and
// barge-in state, so one speaker's corrupt packets, endless talking or failed transcription never
// touches another's.
//
// Time: a packet's audio ended when it arrived (a client sends each 20 ms as soon as it has it), so frames
// are stamped with their audio's start on the wall clock: the first packet of a talk spurt sets the clock, and
// each frame moves it on by 20 ms. Where a later packet shows that the clock runs ahead of the wall clock (the
// first packet came late, or buffered packets came all at once), the lead is kept, and the wall clock is read
// with it when the missing time is filled in. Discord sends nothing while someone is quiet: a
// speaker's talk spurt ends with Opus silence frames and then no packets at all. From then on (or, without
// them, once packets have stopped for `packetGapMs`) the missing time is silence, and the open utterance
// ends on a timer at the exact moment the end-of-turn silence is complete, not at the next packet or tick.
import { EventEmitter } from 'node:events';
import type { Logger } from '../mesh/index.ts';
import { isOpusSilenceFrame, OpusPacketDecoder } from './audio/opus.ts';
import { BargeIn, type BargeInOptions } from './barge-in.ts';
import { Endpointer, type EndpointEvent, type EndpointerOptions } from './endpointing.ts';
import { transcribeBounded, type SttEngine } from './stt/engine.ts';
import { loadVad, SpeechDetector, VAD_FRAME_MS, VAD_FRAME_SAMPLES, VAD_RATE, type FvadModule, type SpeechDetectorOptions } from './vad.ts';

/** Options of {@link VoicePipeline}. */
export interface VoicePipelineOptions {
  /** The speech-to-text engine (see `createSttEngine`). */
  stt: SttEngine;
  logger: Logger;
  /** Longest one transcription may take before it is abandoned. @defaultValue `15000` */
  sttTimeoutMs?: number;
  vad?: Partial<SpeechDetectorOptions>;
  endpointing?: Partial<EndpointerOptions>;
  bargeIn?: Partial<BargeInOptions>;
  /** More whole-transcript phrases to drop, besides the built-in hallucination list. @defaultValue `[]` */
  hallucinations?: readonly string[];
  /** After this long without packets from a speaker mid-utterance, the missing time counts as silence (Discord sends nothing while someone is quiet; its clients say so at once with Opus silence frames, which need no wait). @defaultValue `100` */
  packetGapMs?: number;
  /** Clock in ms. @defaultValue `Date.now` */
  now?: () => number;
}

/** A finished turn of one speaker, before transcription. */
export interface Utterance {
  userId: string;
  /** 16 kHz mono 16-bit samples. */
  pcm16k: Int16Array;
  startedAt: number;
  endedAt: number;
  speechMs: number;
  /** `silence` (the speaker paused), `max` (cut at maxUtteranceMs), `flush` (the speaker left). */
  reason: 'silence' | 'max' | 'flush';
}

/** What was said in one utterance. */
export interface Transcript {
  userId: string;
  text: string;
  startedAt: number;
  endedAt: number;
  /** Time the engine took. */
  sttMs: number;
  /** Time from the end of speech to this transcript. */
  latencyMs: number;
  engine: string;
}

/** An utterance that produced no transcript, and why. */
export interface DroppedTranscript {
  userId: string;
  /** `backlog`: the speaker already had {@link MAX_PENDING_TRANSCRIPTIONS} utterances waiting for a slow engine. */
  reason: 'empty' | 'hallucination' | 'error' | 'timeout' | 'aborted' | 'backlog';
  text?: string;
  sttMs: number;
}

/** Utterances of one speaker that may wait for speech-to-text; more are dropped (a slow engine must not grow memory without bound). */
export const MAX_PENDING_TRANSCRIPTIONS = 3;

/** Events of a {@link VoicePipeline}. */
export interface VoicePipelineEvents {
  utterance: [Utterance];
  transcript: [Transcript];
  'transcript-dropped': [DroppedTranscript];
  /** Someone spoke over Helix for longer than the barge-in threshold: stop playback now. */
  'barge-in': [{ userId: string; at: number }];
  speaking: [{ userId: string; speaking: boolean; at: number }];
}

/** Counters for metrics and the benchmark. */
export interface VoicePipelineStats {
  packets: number;
  corruptPackets: number;
  frames: number;
  utterances: number;
  discarded: number;
  transcripts: number;
  dropped: number;
}

interface Speaker {
  userId: string;
  decoder: OpusPacketDecoder;
  detector: SpeechDetector;
  endpointer: Endpointer;
  bargeIn: BargeIn;
  pending: Int16Array;
  /** Start of the next 16 kHz frame (audio time, pulled up to the wall clock after a gap). */
  clock: number;
  /** How far `clock` runs ahead of the wall clock (≥ 0): the most any packet of the spurt arrived before the clock said its audio ended. */
  lead: number;
  lastPacketAt: number;
  /** The speaker stopped sending (their last packet was an Opus silence frame, or none came for `packetGapMs`): the time since is silence. */
  quiet: boolean;
  /** Ends the open utterance when its silence is complete (only while `quiet`). */
  endTimer: NodeJS.Timeout | undefined;
  endTimerDue: number;
  stt: Promise<void>;
  sttPending: number;
  corrupt: number;
}

/** The receive side of one voice call. */
export class VoicePipeline extends EventEmitter<VoicePipelineEvents> {
  readonly stats: VoicePipelineStats = { packets: 0, corruptPackets: 0, frames: 0, utterances: 0, discarded: 0, transcripts: 0, dropped: 0 };
  readonly #opts: Required<Omit<VoicePipelineOptions, 'vad' | 'endpointing' | 'bargeIn'>> & Pick<VoicePipelineOptions, 'vad' | 'endpointing' | 'bargeIn'>;
  readonly #vad: FvadModule;
  readonly #speakers = new Map<string, Speaker>();
  readonly #closing = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #playing = false;
  #closed: Promise<void> | undefined;

  private constructor(vad: FvadModule, options: VoicePipelineOptions) {
    super();
    this.#vad = vad;
    this.#opts = { sttTimeoutMs: 15_000, hallucinations: [], packetGapMs: 100, now: Date.now, ...options };
    if (!(this.#opts.sttTimeoutMs > 0)) throw new RangeError(`voice.stt.timeoutMs must be greater than 0 (got ${this.#opts.sttTimeoutMs})`);
    // Validate the per-speaker options now, not at the first packet.
    new Endpointer(options.endpointing);
    new BargeIn(options.bargeIn);
    this.#timer = setInterval(() => this.#fillGaps(), 50);
    this.#timer.unref();
  }

  /** Loads the VAD (once per process) and makes a pipeline. */
  static async create(options: VoicePipelineOptions): Promise<VoicePipeline> {
    return new VoicePipeline(await loadVad(), options);
  }

  /** One raw Opus packet from one speaker. Never throws: bad packets are counted, logged and dropped. */
  push(userId: string, packet: Uint8Array): void {
    if (this.#closed) return;
    this.stats.packets++;
    const sp = this.#speaker(userId);
    const now = this.#opts.now();
    let mono16k: Int16Array;
    try {
      mono16k = sp.decoder.decode(packet);
    } catch (err) {
      this.stats.corruptPackets++;
      sp.corrupt++;
      // The first one is worth a warning; a stream of them would flood the log.
      if (sp.corrupt === 1 || sp.corrupt % 500 === 0) this.#opts.logger.warn({ userId, corrupt: sp.corrupt, err }, 'voice: dropped an undecodable Opus packet');
      return;
    }
    // This packet's audio ends now: it started one packet earlier.
    if (now - sp.lastPacketAt > this.#opts.packetGapMs) this.#catchUp(sp, now - mono16k.length / (VAD_RATE / 1_000));
    sp.lastPacketAt = now;
    sp.quiet = isOpusSilenceFrame(packet);
    const joined = new Int16Array(sp.pending.length + mono16k.length);
    joined.set(sp.pending);
    joined.set(mono16k, sp.pending.length);
    let at = 0;
    for (; at + VAD_FRAME_SAMPLES <= joined.length; at += VAD_FRAME_SAMPLES) this.#frame(sp, joined.slice(at, at + VAD_FRAME_SAMPLES), true);
    sp.pending = joined.slice(at);
    sp.lead = Math.max(sp.lead, sp.clock - now);
    this.#armEnd(sp);
  }

  /** Whether Helix is playing audio into the call (barge-in only counts speech while it is). */
  setPlaying(playing: boolean): void {
    this.#playing = playing;
    for (const sp of this.#speakers.values()) sp.bargeIn.setPlaying(playing);
  }

  /** A speaker left: their open utterance is finished now and their state freed. */
  endSpeaker(userId: string): void {
    const sp = this.#speakers.get(userId);
    if (!sp) return;
    this.#handle(sp, sp.endpointer.flush(sp.clock));
    this.#free(sp);
    this.#speakers.delete(userId);
  }

  /** Speakers with state in this call. */
  get speakers(): string[] {
    return [...this.#speakers.keys()];
  }

  /** Stops intake, abandons transcriptions in flight and frees every codec. Safe to call twice. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer);
      this.#closing.abort(new Error('voice pipeline closed'));
      const pending = [...this.#speakers.values()].map((sp) => sp.stt);
      for (const sp of this.#speakers.values()) this.#free(sp);
      this.#speakers.clear();
      await Promise.allSettled(pending);
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #speaker(userId: string): Speaker {
    let sp = this.#speakers.get(userId);
    if (!sp) {
      const bargeIn = new BargeIn(this.#opts.bargeIn);
      bargeIn.setPlaying(this.#playing);
      sp = {
        userId,
        // Decoded straight to 16 kHz mono: libopus down-mixes and band-limits (see audio/opus.ts).
        decoder: new OpusPacketDecoder(VAD_RATE, 1),
        detector: new SpeechDetector(this.#vad, this.#opts.vad),
        endpointer: new Endpointer(this.#opts.endpointing),
        bargeIn,
        pending: new Int16Array(0),
        // The first packet sets both (see push).
        clock: Number.NEGATIVE_INFINITY,
        lead: 0,
        lastPacketAt: Number.NEGATIVE_INFINITY,
        quiet: false,
        endTimer: undefined,
        endTimerDue: 0,
        stt: Promise.resolve(),
        sttPending: 0,
        corrupt: 0,
      };
      this.#speakers.set(userId, sp);
    }
    return sp;
  }

  #frame(sp: Speaker, frame: Int16Array, real: boolean): void {
    this.stats.frames++;
    const verdict = real ? sp.detector.classify(frame) : undefined;
    const speech = verdict?.speech ?? false;
    const at = sp.clock;
    sp.clock += VAD_FRAME_MS;
    if (sp.bargeIn.frame(speech) === 'stop') this.#emit('barge-in', { userId: sp.userId, at });
    this.#handle(sp, sp.endpointer.push(frame, speech, at, verdict?.dbfs));
  }

  /** The speaker sent nothing up to `wallUpTo` (wall clock): the missing time was silence (only matters mid-utterance). */
  #catchUp(sp: Speaker, wallUpTo: number): void {
    if (sp.endpointer.active) {
      const silence = new Int16Array(VAD_FRAME_SAMPLES);
      const upTo = wallUpTo + sp.lead;
      while (sp.clock + VAD_FRAME_MS <= upTo && sp.endpointer.active) this.#frame(sp, silence, false);
      if (sp.endpointer.active) return;
    }
    // Between utterances the clock starts again from the wall clock (never going back).
    sp.clock = Math.max(sp.clock, wallUpTo);
    sp.lead = sp.clock - wallUpTo;
  }

  /** Packets stopped without a silence frame (a client that does not send them, or lost ones): quiet from now on. */
  #fillGaps(): void {
    const now = this.#opts.now();
    for (const sp of this.#speakers.values()) {
      if (sp.endpointer.active && now - sp.lastPacketAt > this.#opts.packetGapMs) {
        sp.quiet = true;
        this.#catchUp(sp, now);
        this.#armEnd(sp);
      }
    }
  }

  /** While a quiet speaker's utterance is open, a timer ends it when its end-of-turn silence is complete. */
  #armEnd(sp: Speaker): void {
    const due = sp.quiet ? sp.endpointer.silenceDeadline : undefined;
    if (due === undefined) {
      if (sp.endTimer) clearTimeout(sp.endTimer);
      sp.endTimer = undefined;
      return;
    }
    if (sp.endTimer && sp.endTimerDue === due) return;
    if (sp.endTimer) clearTimeout(sp.endTimer);
    sp.endTimerDue = due;
    sp.endTimer = setTimeout(() => this.#endDue(sp), Math.max(0, due - sp.lead - this.#opts.now()));
    sp.endTimer.unref();
  }

  #endDue(sp: Speaker): void {
    sp.endTimer = undefined;
    if (this.#closed || this.#speakers.get(sp.userId) !== sp) return;
    if (sp.quiet) this.#catchUp(sp, this.#opts.now());
    this.#armEnd(sp);
  }

  #handle(sp: Speaker, events: EndpointEvent[]): void {
    for (const ev of events) {
      if (ev.type === 'start') {
        this.#emit('speaking', { userId: sp.userId, speaking: true, at: ev.at });
      } else if (ev.type === 'discard') {
        this.stats.discarded++;
        this.#emit('speaking', { userId: sp.userId, speaking: false, at: ev.at });
      } else {
        this.stats.utterances++;
        const u = ev.utterance;
        const utterance: Utterance = { userId: sp.userId, pcm16k: u.samples, startedAt: u.startedAt, endedAt: u.endedAt, speechMs: u.speechMs, reason: u.reason };
        this.#emit('speaking', { userId: sp.userId, speaking: false, at: u.endedAt });
        this.#emit('utterance', utterance);
        if (sp.sttPending >= MAX_PENDING_TRANSCRIPTIONS) {
          this.stats.dropped++;
          this.#opts.logger.warn({ userId: sp.userId, pending: sp.sttPending }, 'voice: speech-to-text is behind; utterance dropped');
          this.#emit('transcript-dropped', { userId: sp.userId, reason: 'backlog', sttMs: 0 });
          continue;
        }
        // One transcription at a time per speaker keeps their transcripts in order.
        sp.sttPending++;
        sp.stt = sp.stt
          .then(() => this.#transcribe(utterance))
          .catch((err: unknown) => this.#opts.logger.error({ err, userId: sp.userId }, 'voice: transcription failed unexpectedly'))
          .finally(() => sp.sttPending--);
      }
    }
  }

  async #transcribe(u: Utterance): Promise<void> {
    if (this.#closing.signal.aborted) return;
    const { stt, sttTimeoutMs, logger, hallucinations } = this.#opts;
    const r = await transcribeBounded(stt, u.pcm16k, { timeoutMs: sttTimeoutMs, logger, signal: this.#closing.signal, extraHallucinations: hallucinations });
    if (r.ok) {
      this.stats.transcripts++;
      const latencyMs = Math.max(0, this.#opts.now() - u.endedAt);
      this.#emit('transcript', { userId: u.userId, text: r.text, startedAt: u.startedAt, endedAt: u.endedAt, sttMs: r.ms, latencyMs, engine: stt.name });
    } else {
      this.stats.dropped++;
      this.#emit('transcript-dropped', r.text === undefined ? { userId: u.userId, reason: r.reason, sttMs: r.ms } : { userId: u.userId, reason: r.reason, text: r.text, sttMs: r.ms });
    }
  }

  /** A listener that throws must not break the call for everyone: log it and go on. */
  #emit<K extends keyof VoicePipelineEvents>(event: K, ...args: VoicePipelineEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: VoicePipelineEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#opts.logger.error({ err, event }, 'voice: a pipeline listener threw');
    }
  }

  #free(sp: Speaker): void {
    if (sp.endTimer) clearTimeout(sp.endTimer);
    sp.endTimer = undefined;
    sp.decoder.close();
    sp.detector.close();
  }
}
