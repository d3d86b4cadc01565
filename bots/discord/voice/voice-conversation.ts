// One voice call as a conversation with the brain: the session's packets go through a VoicePipeline, each
// transcript becomes an inbound turn (the speaker as author, modality voice), replies are spoken in order,
// and someone talking over Helix stops it. One per VoiceSession; closed when the session closes.
//
//   session ──speakerPacket──> pipeline.push ──transcript──> enqueue(InboundTurn)
//   session <──play(speak(text))── say(reply)        pipeline ──barge-in──> session.stopPlayback()
import { EventEmitter } from 'node:events';
import { monotonicNow, newTraceparent, traceLogger, type InboundTurn, type Logger } from '../../../mesh/index.ts';
import { speak, type Transcript, type TtsEngine, type Utterance, type VoicePipeline } from '../../../voice/index.ts';
import type { VoiceMetrics } from './voice-metrics.ts';
import type { VoiceSession } from './voice-session.ts';
import { toVoiceTurn, voiceEventId } from './voice-turn.ts';

export interface VoiceConversationOptions {
  session: VoiceSession;
  /** The pipeline, or its creation (packets that arrive before it is ready are kept, up to a bound). */
  pipeline: VoicePipeline | Promise<VoicePipeline>;
  tts: TtsEngine;
  /** Longest one sentence's synthesis may take (`voice.tts.timeoutMs`). */
  ttsTimeoutMs: number;
  /** Speech over Helix that stops it (`voice.bargeIn.thresholdMs`); shorter speech during playback is a backchannel and makes no turn. */
  bargeInThresholdMs: number;
  /** Puts a turn on `inbound` (retrying); rejects when it could not. */
  enqueue: (turn: InboundTurn) => Promise<void>;
  /** The speaker's display name in the guild. */
  displayName: (userId: string) => Promise<string>;
  /** The voice channel's name, for the conversation title. */
  channelName: () => string | undefined;
  /** Called with each queued turn (text echo). Errors are logged. */
  onTurn?: (turn: InboundTurn) => Promise<void> | void;
  log: Logger;
  metrics: VoiceMetrics;
  /** Packets kept while the pipeline loads. @defaultValue `500` (10 s of one speaker) */
  maxEarlyPackets?: number;
}

/** How saying a reply ended (`skipped`: the `beforePlay` check said no). */
export type SayOutcome = 'spoken' | 'interrupted' | 'not_in_voice' | 'skipped';

/** Options of {@link VoiceConversation.say}. */
export interface SayOptions {
  /**
   * Runs when the reply's turn to play comes, while its first sentence is already being synthesized; the reply
   * plays only if it resolves true (`skipped` otherwise), and a rejection is say()'s. For a once-only mark
   * (the delivery ledger) that then costs no time before the first packet.
   */
  beforePlay?: () => Promise<boolean>;
}

/** Timings of one spoken reply (logs, the benchmark). */
export interface SpokenReply {
  replyId: string;
  outcome: SayOutcome;
  /** From say() to the first Opus frame handed to the player (waiting for an earlier reply included). */
  firstFrameMs: number | undefined;
  /** Text-to-speech engine time of the first sentence (its synthesis call, start to audio). */
  firstSentenceTtsMs: number | undefined;
  frames: number;
}

export interface VoiceConversationEvents {
  /** A transcript became a turn on `inbound`. */
  turn: [turn: InboundTurn, transcript: Transcript];
  /** The first frame of a reply goes to the player. */
  'reply-audio': [replyId: string, at: number];
  /** A reply finished (played, interrupted or dropped). */
  spoken: [SpokenReply];
  'barge-in': [{ userId: string; at: number }];
}

/** A voice call's conversation. `close()` is idempotent; it runs on the session's `closed`. */
export class VoiceConversation extends EventEmitter<VoiceConversationEvents> {
  readonly #opts: VoiceConversationOptions;
  readonly #session: VoiceSession;
  readonly guildId: string;
  #pipeline: VoicePipeline | undefined;
  #early: Array<[string, Buffer]> | undefined = [];
  #gone = new Set<string>();
  /** Replies play one after another. */
  #chain: Promise<unknown> = Promise.resolve();
  /** Bumped by each barge-in: replies queued before it are not said. */
  #generation = 0;
  #current: AbortController | undefined;
  #playingSince: number | undefined;
  #lastPlaybackEnd = 0;
  /** Utterances (by event id) that were short speech over Helix. */
  readonly #backchannels = new Set<string>();
  #closing: Promise<void> | undefined;
  readonly #listeners: Array<() => void> = [];

  constructor(opts: VoiceConversationOptions) {
    super();
    this.#opts = opts;
    this.#session = opts.session;
    this.guildId = opts.session.guildId;
    const s = opts.session;
    const onPacket = (userId: string, opus: Buffer) => this.#packet(userId, opus);
    const onGone = (userId: string) => {
      if (this.#pipeline) this.#pipeline.endSpeaker(userId);
      else this.#gone.add(userId);
    };
    const onPlayback = (playing: boolean) => {
      if (playing) this.#playingSince = Date.now();
      else {
        this.#playingSince = undefined;
        this.#lastPlaybackEnd = Date.now();
      }
      this.#pipeline?.setPlaying(playing);
    };
    const onClosed = () => void this.close();
    s.on('speakerPacket', onPacket);
    s.on('speakerGone', onGone);
    s.on('playback', onPlayback);
    s.on('closed', onClosed);
    this.#listeners.push(() => {
      s.off('speakerPacket', onPacket);
      s.off('speakerGone', onGone);
      s.off('playback', onPlayback);
      s.off('closed', onClosed);
    });
    void Promise.resolve(opts.pipeline).then(
      (p) => this.#attach(p),
      (err: unknown) => {
        this.#early = undefined;
        opts.log.error({ err, guild_id: this.guildId }, 'voice: the audio pipeline could not start; Helix hears nothing in this call');
      },
    );
  }

  /** The voice channel of the call. */
  get channelId(): string {
    return this.#session.channelId;
  }

  get closed(): boolean {
    return this.#closing !== undefined || this.#session.state === 'closed';
  }

  /** The pipeline, once loaded. */
  get pipeline(): VoicePipeline | undefined {
    return this.#pipeline;
  }

  #packet(userId: string, opus: Buffer): void {
    if (this.#pipeline) return this.#pipeline.push(userId, opus);
    if (this.#early && this.#early.length < (this.#opts.maxEarlyPackets ?? 500)) this.#early.push([userId, opus]);
  }

  #attach(p: VoicePipeline): void {
    if (this.#closing) {
      void p.close();
      return;
    }
    this.#pipeline = p;
    p.setPlaying(this.#session.playing);
    p.on('utterance', (u) => this.#utterance(u));
    p.on('transcript', (t) => void this.#transcript(t));
    p.on('transcript-dropped', (d) => {
      this.#opts.metrics.turns.inc({ outcome: 'dropped' });
      // Silence and known hallucinations are expected; an engine that timed out, failed or fell behind is not.
      const level = d.reason === 'empty' || d.reason === 'hallucination' || d.reason === 'aborted' ? 'debug' : 'warn';
      this.#opts.log[level]({ guild_id: this.guildId, user_id: d.userId, reason: d.reason, stt_ms: d.sttMs }, 'voice: utterance without a transcript');
    });
    p.on('barge-in', (b) => this.#bargeIn(b));
    const early = this.#early ?? [];
    this.#early = undefined;
    for (const [userId, opus] of early) p.push(userId, opus);
    for (const userId of this.#gone) p.endSpeaker(userId);
    this.#gone.clear();
  }

  #bargeIn(b: { userId: string; at: number }): void {
    if (!this.#session.playing && !this.#current) return;
    this.#generation++;
    // Stop the packets first (within one 20 ms tick), then cancel the synthesis still running.
    this.#session.stopPlayback();
    this.#current?.abort(new Error('barge-in'));
    this.#opts.metrics.bargeIns.inc();
    this.#opts.log.info({ guild_id: this.guildId, user_id: b.userId }, 'voice: barge-in; playback stopped');
    this.emit('barge-in', b);
  }

  /** Short speech while Helix talks ("mm-hm", a cough that passed the VAD) is not a turn. */
  #utterance(u: Utterance): void {
    const overPlayback = this.#playingSince !== undefined || u.startedAt <= this.#lastPlaybackEnd;
    if (overPlayback && u.speechMs < this.#opts.bargeInThresholdMs) this.#backchannels.add(voiceEventId({ channelId: this.channelId, userId: u.userId, startedAt: u.startedAt }));
  }

  async #transcript(t: Transcript): Promise<void> {
    const { log, metrics } = this.#opts;
    const key = voiceEventId({ channelId: this.channelId, userId: t.userId, startedAt: t.startedAt });
    if (this.#backchannels.delete(key)) {
      metrics.turns.inc({ outcome: 'backchannel' });
      log.info({ guild_id: this.guildId, user_id: t.userId, chars: t.text.length }, 'voice: short speech over Helix ignored (backchannel)');
      return;
    }
    if (this.closed) return;
    let turn: InboundTurn;
    try {
      const displayName = await this.#opts.displayName(t.userId);
      turn = toVoiceTurn({ guildId: this.guildId, channelId: this.channelId, channelName: this.#opts.channelName(), userId: t.userId, displayName, text: t.text, startedAt: t.startedAt }, monotonicNow(), newTraceparent());
    } catch (err) {
      metrics.turns.inc({ outcome: 'failed' });
      log.warn({ err, guild_id: this.guildId, user_id: t.userId }, 'voice: transcript could not be made a turn');
      return;
    }
    const tlog = traceLogger(log, turn.traceparent, { event_id: turn.eventId, channel_id: this.channelId });
    try {
      await this.#opts.enqueue(turn);
    } catch (err) {
      metrics.turns.inc({ outcome: 'failed' });
      tlog.error({ err: (err as Error).message }, 'voice turn not queued (inbound queue unreachable); Helix will not answer it');
      return;
    }
    metrics.turns.inc({ outcome: 'queued' });
    tlog.info({ user_id: t.userId, conversation: turn.conversation.id, stt_ms: t.sttMs, latency_ms: t.latencyMs, speech_end: t.endedAt, engine: t.engine, chars: t.text.length }, 'voice turn queued');
    this.emit('turn', turn, t);
    if (this.#opts.onTurn) {
      try {
        await this.#opts.onTurn(turn);
      } catch (err) {
        tlog.warn({ err: (err as Error).message }, 'voice: text echo of what was heard failed');
      }
    }
  }

  /**
   * Says a reply in the call, after the replies before it. Resolves when it was played to the end,
   * interrupted (barge-in, or a barge-in came while it waited its turn) or could not be said (Helix left).
   */
  say(replyId: string, text: string, log: Logger = this.#opts.log, options: SayOptions = {}): Promise<SpokenReply> {
    const generation = this.#generation;
    const t0 = performance.now();
    const run = this.#chain.then(() => this.#play(replyId, text, generation, t0, log, options));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #play(replyId: string, text: string, generation: number, t0: number, log: Logger, options: SayOptions): Promise<SpokenReply> {
    const result: SpokenReply = { replyId, outcome: 'interrupted', firstFrameMs: undefined, firstSentenceTtsMs: undefined, frames: 0 };
    if (this.closed) return { ...result, outcome: 'not_in_voice' };
    if (generation !== this.#generation) return result; // someone spoke over Helix since this reply was queued
    const controller = new AbortController();
    this.#current = controller;
    let firstEngineMs: number | undefined;
    const frames = speak(text, this.#opts.tts, {
      logger: log,
      timeoutMs: this.#opts.ttsTimeoutMs,
      signal: controller.signal,
      onSynthesized: (_s, ms) => (firstEngineMs ??= ms),
    });
    const tap = async function* (this: VoiceConversation): AsyncGenerator<Buffer> {
      for await (const frame of frames) {
        if (result.frames++ === 0) {
          const now = performance.now();
          result.firstFrameMs = now - t0;
          result.firstSentenceTtsMs = firstEngineMs;
          this.#opts.metrics.firstAudio.observe(result.firstFrameMs / 1_000);
          this.emit('reply-audio', replyId, Date.now());
        }
        yield frame;
      }
    }.call(this);
    let source: AsyncIterable<Buffer> = tap;
    if (options.beforePlay) {
      // Start synthesizing the first sentence now; the check runs meanwhile.
      const first = tap.next();
      first.catch(() => undefined);
      const drop = async (reason: unknown) => {
        controller.abort(reason);
        if (this.#current === controller) this.#current = undefined;
        await tap.return(undefined).catch(() => undefined);
      };
      let go: boolean;
      try {
        go = await options.beforePlay();
      } catch (err) {
        await drop(err);
        throw err;
      }
      if (!go || controller.signal.aborted || generation !== this.#generation) {
        await drop(new Error(go ? 'barge-in' : 'reply skipped'));
        const skipped = { ...result, outcome: go ? ('interrupted' as const) : ('skipped' as const), frames: 0 };
        this.emit('spoken', skipped);
        return skipped;
      }
      source = (async function* () {
        const f = await first;
        if (f.done) return;
        yield f.value;
        yield* tap;
      })();
    }
    try {
      const end = await this.#session.play(source);
      result.outcome = end === 'finished' ? 'spoken' : end === 'closed' ? 'not_in_voice' : 'interrupted';
    } finally {
      controller.abort(new Error('reply over'));
      if (this.#current === controller) this.#current = undefined;
    }
    // A reply whose every sentence failed to synthesize played nothing: say so.
    if (result.outcome === 'spoken' && result.frames === 0) log.warn({ reply_id: replyId }, 'voice: the reply produced no audio (text-to-speech failed for every sentence)');
    this.emit('spoken', result);
    return result;
  }

  /** Stops listening and speaking; the pipeline is closed. The session itself is not (VoiceChannels owns it). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const off of this.#listeners) off();
      this.#current?.abort(new Error('voice conversation closed'));
      this.#early = undefined;
      this.#backchannels.clear();
      await this.#pipeline?.close();
      this.removeAllListeners();
    })();
    return this.#closing;
  }
}
