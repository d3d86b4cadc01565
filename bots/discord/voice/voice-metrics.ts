import { Counter, Gauge, Histogram, LATENCY_BUCKETS, type ProcessMetrics } from '../../../mesh/index.ts';

/** Metrics of the Discord voice connection layer. */
export interface VoiceMetrics {
  /** Opus packets from speakers by outcome: `received`, `malformed_opus` (dropped), `decrypt_failed` (dropped, stream rebuilt). */
  readonly packets: Counter<'outcome'>;
  /** Joins by outcome: `ready`, `timeout`, `not_in_voice`, `failed`. */
  readonly joins: Counter<'outcome'>;
  /** Times a ready voice connection went down and came back (resume or rejoin). */
  readonly reconnects: Counter;
  /** Why sessions ended: `left`, `empty_channel`, `disconnected`, `shutdown`... */
  readonly leaves: Counter<'reason'>;
  /** Utterances by outcome: `queued` (a turn on `inbound`), `backchannel` (short speech over Helix, ignored), `dropped` (no transcript), `failed` (queue down). */
  readonly turns: Counter<'outcome'>;
  /** Voice replies by outcome: `spoken`, `interrupted` (barge-in), `duplicate` (a retried job, not spoken again), `not_in_voice` (posted as text). */
  readonly replies: Counter<'outcome'>;
  /** Times someone talking over Helix stopped its playback. */
  readonly bargeIns: Counter;
  /** From a voice reply taken off `outbound-discord` to its first audio frame (text-to-speech of the first sentence included). */
  readonly firstAudio: Histogram;
}

/** Registers the voice metrics; `sessions` reads how many voice sessions are open, at scrape time. */
export function createVoiceMetrics(metrics: ProcessMetrics, sessions: () => number): VoiceMetrics {
  const registers = [metrics.registry];
  new Gauge({
    name: 'helix_discord_voice_sessions',
    help: 'Voice channels Helix is connected to (or connecting to).',
    registers,
    collect() {
      this.set(sessions());
    },
  });
  return {
    packets: new Counter({ name: 'helix_discord_voice_packets_total', help: 'Opus packets from speakers, by outcome.', labelNames: ['outcome'], registers }),
    joins: new Counter({ name: 'helix_discord_voice_joins_total', help: 'Voice joins, by outcome.', labelNames: ['outcome'], registers }),
    reconnects: new Counter({ name: 'helix_discord_voice_reconnects_total', help: 'Voice connections that went down and came back.', registers }),
    leaves: new Counter({ name: 'helix_discord_voice_leaves_total', help: 'Voice sessions ended, by reason.', labelNames: ['reason'], registers }),
    turns: new Counter({ name: 'helix_discord_voice_turns_total', help: 'Utterances heard in voice channels, by outcome.', labelNames: ['outcome'], registers }),
    replies: new Counter({ name: 'helix_discord_voice_replies_total', help: 'Replies to voice conversations, by outcome.', labelNames: ['outcome'], registers }),
    bargeIns: new Counter({ name: 'helix_discord_voice_barge_ins_total', help: 'Playbacks stopped because someone talked over Helix.', registers }),
    firstAudio: new Histogram({ name: 'helix_discord_voice_first_audio_seconds', help: 'From a voice reply dequeued to its first audio frame.', buckets: LATENCY_BUCKETS, registers }),
  };
}
