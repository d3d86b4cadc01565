// One voice channel Helix is in: per-speaker Opus packets in, Opus frames out. This is the seam the audio
// pipeline (voice/, issue 9 part B) plugs into; it knows nothing of decoding, VAD or engines.
//
//   const session: VoiceSession = ...;                       // from VoiceChannels' 'session' event
//   session.on('speakerPacket', (userId, opus) => ...);      // raw 20 ms Opus packets, per Discord user, in order
//   session.on('speakerGone', (userId) => ...);              // that user left the call: flush/forget their stream
//   const end = await session.play(opusFrames);              // AsyncIterable<Buffer> of 20 ms Opus frames
//   session.stopPlayback();                                  // barge-in: the packets stop within one 20 ms tick
//
// Glue with voice/'s VoicePipeline (lives in bots/discord, which may import both):
//   session.on('speakerPacket', (u, p) => pipeline.push(u, p));  session.on('speakerGone', (u) => pipeline.endSpeaker(u));
//   session.on('playback', (on) => pipeline.setPlaying(on));      pipeline.on('barge-in', () => session.stopPlayback());
//
// Notes on @discordjs/voice 0.19.2 that shaped this (PLATFORM-APIS.md section 2 has the protocol):
// - SSRCs are mapped to users only by the voice server's op 5; until then a speaker's packets are dropped.
// - receiver.subscribe(userId) streams exist only once asked for, and the receiver emits speaking 'start'
//   synchronously before looking the subscription up, so subscribing in that handler keeps the first packet.
// - A packet that fails to decrypt destroys that user's subscription (VoiceReceiver.onUdpMessage); while the
//   user keeps talking no new 'start' comes (it needs 100 ms of quiet), so the stream is rebuilt here at once.
// - The end behaviour is Manual: endpointing is done downstream on the packets, not by Discord's silence timer.
// - AudioPlayer.stop(true) goes Idle at once and the packet prepared for the next tick is never dispatched;
//   stop() without force would send 5 more silence frames (100 ms) first.
// - The players share one 20 ms cycle: each step sends the packet prepared in the step before, then reads the
//   next one. A resource handed over while it is still empty is read at the first step after it has a frame
//   and sent at the step after that: 20-40 ms after the first frame was ready. So a reply (when nothing else
//   is playing) is handed to the player only once its first frame is there: that frame goes out at once with
//   VoiceConnection.playOpusPacket, and the player's cycle (started by play() if it was idle) sends the rest
//   from the next step on.
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import {
  AudioPlayerStatus, EndBehaviorType, NoSubscriberBehavior, StreamType, VoiceConnectionDisconnectReason, VoiceConnectionStatus,
  createAudioPlayer, createAudioResource, entersState,
  type AudioPlayer, type AudioReceiveStream, type AudioResource, type VoiceConnection, type VoiceConnectionState,
} from '@discordjs/voice';
import type { Logger } from '../../../mesh/index.ts';
import { opusPacketProblem } from './opus-packet.ts';
import type { VoiceMetrics } from './voice-metrics.ts';

/** Events of a voice session, as listener argument tuples. */
export interface VoiceSessionEvents {
  /** One raw Opus packet (normally 20 ms of 48 kHz stereo) from `userId`, in arrival order. Malformed packets never arrive. */
  speakerPacket: [userId: string, opus: Buffer];
  /** `userId` left the call (op 13 or left the channel), or the session closed: flush and forget their audio. */
  speakerGone: [userId: string];
  /** Helix started (true) or stopped (false) playing, for barge-in detection. */
  playback: [playing: boolean];
  /** The link changed: `ready` (again, after a resume or rejoin) or `reconnecting`. */
  state: [state: VoiceSessionState];
  /** The session ended (Helix left, was disconnected, or gave up reconnecting). */
  closed: [reason: string];
}

export type VoiceSessionState = 'connecting' | 'ready' | 'reconnecting' | 'closed';

/** How a `play()` ended: played to the end, `stopPlayback()`, a newer `play()`, or the session closed. */
export type PlaybackEnd = 'finished' | 'stopped' | 'replaced' | 'closed';

/** One voice channel Helix is connected to. */
export interface VoiceSession {
  readonly guildId: string;
  readonly channelId: string;
  readonly state: VoiceSessionState;
  /** True while a `play()` is running. */
  readonly playing: boolean;
  on<E extends keyof VoiceSessionEvents>(event: E, listener: (...args: VoiceSessionEvents[E]) => void): this;
  once<E extends keyof VoiceSessionEvents>(event: E, listener: (...args: VoiceSessionEvents[E]) => void): this;
  off<E extends keyof VoiceSessionEvents>(event: E, listener: (...args: VoiceSessionEvents[E]) => void): this;
  /**
   * Plays 20 ms Opus frames (48 kHz stereo) in real time; replaces what is playing. Waits (paused) while the link
   * is down. Resolves when the frames run out, or early on `stopPlayback()`; the iterator is then closed (`return()`).
   */
  play(opusFrames: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<PlaybackEnd>;
  /** Stops playback at once (barge-in): no further audio packet is sent after the current 20 ms tick. */
  stopPlayback(): void;
  /** Leaves the channel. Safe to call twice. */
  close(reason?: string): Promise<void>;
}

export interface DiscordVoiceSessionOptions {
  connection: VoiceConnection;
  guildId: string;
  channelId: string;
  /** Helix's own user id (never a speaker). */
  botUserId: string;
  log: Logger;
  metrics: VoiceMetrics;
  /** Rejoin attempts after the voice link drops for good before giving up. @defaultValue `5` */
  maxRejoinAttempts?: number;
}

interface Playback {
  resource: AudioResource;
  end: PlaybackEnd;
  resolve: (end: PlaybackEnd) => void;
  /** Handed to the player (until then it waits for its first frame). */
  started: boolean;
}

/** {@link VoiceSession} over a real @discordjs/voice VoiceConnection and AudioPlayer. */
export class DiscordVoiceSession implements VoiceSession {
  readonly guildId: string;
  #channelId: string;
  readonly #opts: DiscordVoiceSessionOptions;
  readonly #events = new EventEmitter();
  readonly #player: AudioPlayer;
  /** Our subscription per speaker. */
  readonly #streams = new Map<string, AudioReceiveStream>();
  /** Speakers the voice server told us about (op 5) or who spoke, until they leave. */
  readonly #speakers = new Set<string>();
  #state: VoiceSessionState = 'connecting';
  #playback: Playback | undefined;
  #closing: Promise<void> | undefined;
  #wasReady = false;

  constructor(opts: DiscordVoiceSessionOptions) {
    this.#opts = opts;
    this.guildId = opts.guildId;
    this.#channelId = opts.channelId;
    this.#events.on('error', () => {});
    const { connection } = opts;
    const receiver = connection.receiver;
    receiver.speaking.on('start', (userId: string) => this.#ensureStream(userId));
    receiver.ssrcMap.on('create', (data: { userId: string }) => this.#ensureStream(data.userId));
    receiver.ssrcMap.on('update', (_old: unknown, data: { userId: string }) => this.#ensureStream(data.userId));
    receiver.ssrcMap.on('delete', (data: { userId: string }) => this.speakerLeft(data.userId));
    connection.on('stateChange', (oldState, newState) => this.#onConnectionState(oldState, newState));
    connection.on('error', (err: Error) => opts.log.warn({ guild_id: this.guildId, err: err.message }, 'voice connection error'));

    this.#player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Pause } });
    this.#player.on('error', (err) => opts.log.warn({ guild_id: this.guildId, err: err.message }, 'voice playback error'));
    this.#player.on('stateChange', (oldState, newState) => {
      if (newState.status !== AudioPlayerStatus.Idle || oldState.status === AudioPlayerStatus.Idle) return;
      const pb = this.#playback;
      if (pb && oldState.resource === pb.resource) {
        this.#playback = undefined;
        pb.resolve(pb.end);
      }
    });
    connection.subscribe(this.#player);
    if (connection.state.status === VoiceConnectionStatus.Ready) this.#setState('ready');
  }

  get state(): VoiceSessionState {
    return this.#state;
  }

  get channelId(): string {
    return this.#channelId;
  }

  /** Someone moved Helix to another channel of the guild; @discordjs/voice follows it on its own. */
  movedTo(channelId: string): void {
    this.#channelId = channelId;
  }

  get playing(): boolean {
    return this.#playback !== undefined;
  }

  /** The underlying connection (for the manager and tests). */
  get connection(): VoiceConnection {
    return this.#opts.connection;
  }

  on<E extends keyof VoiceSessionEvents>(event: E, listener: (...args: VoiceSessionEvents[E]) => void): this {
    this.#events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<E extends keyof VoiceSessionEvents>(event: E, listener: (...args: VoiceSessionEvents[E]) => void): this {
    this.#events.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends keyof VoiceSessionEvents>(event: E, listener: (...args: VoiceSessionEvents[E]) => void): this {
    this.#events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  #emit<E extends keyof VoiceSessionEvents>(event: E, ...args: VoiceSessionEvents[E]): void {
    try {
      this.#events.emit(event, ...args);
    } catch (err) {
      // A listener that throws must not take the receive path down with it.
      this.#opts.log.error({ guild_id: this.guildId, event, err: (err as Error).message }, 'voice session listener failed');
    }
  }

  // ---- receive ------------------------------------------------------------------------------------------------
  /** Subscribes to `userId` unless our subscription is alive. Called on op 5, speaking start, reconnects and stream loss. */
  #ensureStream(userId: string): void {
    if (this.#state === 'closed' || userId === this.#opts.botUserId) return;
    this.#speakers.add(userId);
    const current = this.#streams.get(userId);
    if (current && !current.destroyed) return;
    const stream = this.#opts.connection.receiver.subscribe(userId, { end: { behavior: EndBehaviorType.Manual } });
    this.#streams.set(userId, stream);
    const { metrics, log } = this.#opts;
    stream.on('data', (packet: Buffer) => {
      const problem = opusPacketProblem(packet);
      if (problem) {
        metrics.packets.inc({ outcome: 'malformed_opus' });
        log.debug({ guild_id: this.guildId, user_id: userId, problem }, 'malformed Opus packet dropped');
        return;
      }
      metrics.packets.inc({ outcome: 'received' });
      this.#emit('speakerPacket', userId, packet);
    });
    stream.on('error', (err: Error) => {
      metrics.packets.inc({ outcome: 'decrypt_failed' });
      log.warn({ guild_id: this.guildId, user_id: userId, err: err.message }, 'voice packet could not be decrypted; receive stream rebuilt');
    });
    stream.on('close', () => {
      if (this.#streams.get(userId) === stream) this.#streams.delete(userId);
      // The receiver drops its own entry on 'close' (registered before ours), so a new subscription takes at once.
      if (this.#state !== 'closed' && this.#speakers.has(userId)) this.#ensureStream(userId);
    });
  }

  /** `userId` left the call (op 13, or the manager saw them leave the channel). */
  speakerLeft(userId: string): void {
    const known = this.#speakers.delete(userId);
    const stream = this.#streams.get(userId);
    this.#streams.delete(userId);
    if (stream && !stream.destroyed) stream.destroy();
    if (known) this.#emit('speakerGone', userId);
  }

  #rebuildStreams(): void {
    const mapped = [...this.#speakers];
    for (const userId of mapped) this.#ensureStream(userId);
  }

  // ---- connection lifecycle --------------------------------------------------------------------------------------
  #setState(state: VoiceSessionState): void {
    if (this.#state === state || this.#state === 'closed') return;
    this.#state = state;
    this.#emit('state', state);
  }

  #onConnectionState(oldState: VoiceConnectionState, newState: VoiceConnectionState): void {
    const { log, metrics, connection } = this.#opts;
    if (newState.status === VoiceConnectionStatus.Ready) {
      if (this.#wasReady && this.#state !== 'ready') metrics.reconnects.inc();
      this.#wasReady = true;
      this.#setState('ready');
      this.#rebuildStreams();
      return;
    }
    if (newState.status === VoiceConnectionStatus.Destroyed) {
      void this.close('destroyed');
      return;
    }
    if (oldState.status === VoiceConnectionStatus.Ready) {
      log.warn({ guild_id: this.guildId, status: newState.status }, 'voice link down; reconnecting');
      this.#setState('reconnecting');
    }
    if (newState.status !== VoiceConnectionStatus.Disconnected) return;
    const max = this.#opts.maxRejoinAttempts ?? 5;
    if (newState.reason === VoiceConnectionDisconnectReason.WebSocketClose && newState.closeCode === 4014) {
      // 4014: removed from the channel, or moved to another one (then Discord sends a new server update within ~5 s).
      void Promise.race([entersState(connection, VoiceConnectionStatus.Signalling, 5_000), entersState(connection, VoiceConnectionStatus.Connecting, 5_000)]).catch(() => this.close('disconnected'));
    } else if (connection.rejoinAttempts < max) {
      const delayMs = (connection.rejoinAttempts + 1) * 1_000;
      setTimeout(() => {
        if (this.#state !== 'closed' && connection.state.status === VoiceConnectionStatus.Disconnected) connection.rejoin();
      }, delayMs).unref();
    } else {
      void this.close('gave_up_reconnecting');
    }
  }

  // ---- playback --------------------------------------------------------------------------------------------------
  play(opusFrames: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<PlaybackEnd> {
    if (this.#state === 'closed') return Promise.resolve('closed');
    const previous = this.#playback;
    if (previous) {
      this.#playback = undefined;
      previous.resolve('replaced');
    }
    // One frame of read-ahead: with Node's default (16) the stream keeps encoding frames in one run of microtasks
    // before it says 'readable', which holds the first packet back by milliseconds. More buffering would not help:
    // the frames are made as fast as they are read, the reader is on the same event loop, and the next sentence's
    // synthesis runs ahead on its own (see voice/tts/speak.ts).
    const resource = createAudioResource(Readable.from(opusFrames, { objectMode: true, highWaterMark: 1 }), { inputType: StreamType.Opus });
    return new Promise<PlaybackEnd>((resolve) => {
      const pb: Playback = {
        resource,
        end: 'finished',
        resolve: (end) => {
          // A replaced playback hands over without a gap: only the last one reports the stop.
          if (end !== 'replaced') this.#emit('playback', false);
          resolve(end);
        },
        started: false,
      };
      this.#playback = pb;
      if (!previous) this.#emit('playback', true);
      if (previous?.started || this.#player.state.status !== AudioPlayerStatus.Idle) {
        // Something is playing: the player swaps resources on its own cycle, without a gap.
        this.#start(pb, false);
        return;
      }
      if (previous) previous.resource.playStream.destroy();
      this.#startOnFirstFrame(pb);
    });
  }

  /** Hands the playback to the player once its first frame is readable (or its frames ran out). */
  #startOnFirstFrame(pb: Playback): void {
    const stream = pb.resource.playStream;
    // Until the player listens (play() adds its own), a failing frame source must not throw an unhandled 'error'.
    const failed = (err: Error) => this.#opts.log.warn({ guild_id: this.guildId, err: err.message }, 'voice playback error');
    const ready = () => {
      stream.off('readable', ready);
      stream.off('close', ready);
      stream.off('error', failed);
      if (this.#playback !== pb || pb.started) return;
      if (stream.destroyed) {
        // The frames failed or ended before any was readable: nothing to play.
        this.#playback = undefined;
        pb.resolve(pb.end);
        return;
      }
      this.#start(pb, true);
    };
    stream.on('error', failed);
    if (pb.resource.started) return ready();
    stream.on('readable', ready);
    stream.on('close', ready);
  }

  #start(pb: Playback, sendFirstNow: boolean): void {
    pb.started = true;
    const { connection } = this.#opts;
    if (sendFirstNow && connection.state.status === VoiceConnectionStatus.Ready) {
      // The first frame at once (it also overwrites a stale packet an earlier, stopped playback left prepared).
      const first = pb.resource.read();
      if (first) connection.playOpusPacket(first);
    }
    this.#player.play(pb.resource);
  }

  stopPlayback(): void {
    const pb = this.#playback;
    if (!pb) return;
    pb.end = 'stopped';
    if (pb.started) {
      this.#player.stop(true);
      return;
    }
    // Still waiting for its first frame: close the source (speak() cancels its synthesis).
    this.#playback = undefined;
    pb.resource.playStream.destroy();
    pb.resolve('stopped');
  }

  close(reason = 'left'): Promise<void> {
    // Set before any cleanup runs: connection.destroy() below re-enters through the 'destroyed' state change.
    if (this.#closing) return this.#closing;
    this.#closing = Promise.resolve();
    this.#closing = (async () => {
      this.#state = 'closed';
      const pb = this.#playback;
      this.#playback = undefined;
      if (pb && !pb.started) pb.resource.playStream.destroy();
      pb?.resolve('closed');
      try {
        this.#player.stop(true);
      } catch {
        // already idle
      }
      for (const userId of [...this.#speakers]) this.speakerLeft(userId);
      for (const stream of this.#streams.values()) if (!stream.destroyed) stream.destroy();
      this.#streams.clear();
      const { connection } = this.#opts;
      if (connection.state.status !== VoiceConnectionStatus.Destroyed) {
        try {
          connection.destroy();
        } catch {
          // destroyed meanwhile
        }
      }
      this.#opts.metrics.leaves.inc({ reason });
      this.#emit('closed', reason);
      this.#events.removeAllListeners();
      this.#events.on('error', () => {});
    })();
    return this.#closing;
  }
}
