// Voice calls wired to the brain: a VoiceConversation for every session VoiceChannels opens (its own
// VoicePipeline on the shared speech engines), turns onto `inbound` as message-intake does for text, and
// the `outbound-discord` replies of voice conversations spoken in the call, at most once per reply.
import type { Queue } from 'bullmq';
import type { Client } from 'discord.js';
import { HelixError, inboundJobOptions, jobIdFor, type DeliveryLedger, type InboundTurn, type Logger, type OutboundReply } from '../../../mesh/index.ts';
import { createSttEngine, createTtsEngine, pipelineOptionsFrom, VoicePipeline, type SttEngine, type TtsEngine, type VoiceConfig } from '../../../voice/index.ts';
import type { MessagePoster } from '../message-poster.ts';
import { RouteKey } from '../normalize.ts';
import type { RenderedMessage } from '../render.ts';
import type { VoiceChannels } from './voice-channels.ts';
import { VoiceConversation } from './voice-conversation.ts';
import type { VoiceMetrics } from './voice-metrics.ts';
import type { VoiceSession } from './voice-session.ts';
import { spokenText } from './voice-turn.ts';

export interface VoiceConversationsOptions {
  client: Client;
  channels: VoiceChannels;
  /** The `voice` config section (engines, VAD, endpointing, barge-in, textEcho). */
  voice: VoiceConfig;
  inbound: Queue;
  dedupeWindowSec: number;
  poster: MessagePoster;
  /** Records which replies were spoken (key `<replyId>#voice`), so a retried job is not said twice. */
  ledger: DeliveryLedger;
  metrics: VoiceMetrics;
  log: Logger;
  /** Engines (tests, the benchmark). @defaultValue built from `voice` */
  stt?: SttEngine;
  tts?: TtsEngine;
  /** Longest a speaker's guild display name lookup may take before "someone" is used. @defaultValue `2000` */
  memberLookupMs?: number;
}

/** How a voice reply was delivered (a metrics label, shared with deliver.ts's outcomes). */
export type VoiceDeliveryOutcome = 'spoken' | 'interrupted' | 'duplicate' | 'posted';

/** Longest a reply may keep the delivery job: a generous bound on speech (espeak says ~15 characters a second). */
function sayDeadlineMs(chars: number): number {
  return 30_000 + chars * 150;
}

/** The voice conversations of one bot process. `close()` is idempotent. */
export class VoiceConversations {
  readonly #opts: VoiceConversationsOptions;
  readonly #byGuild = new Map<string, VoiceConversation>();
  readonly #stt: SttEngine;
  readonly #tts: TtsEngine;
  readonly #onSession = (s: VoiceSession) => this.#open(s);
  #closing: Promise<void> | undefined;

  constructor(opts: VoiceConversationsOptions) {
    this.#opts = opts;
    this.#stt = opts.stt ?? createSttEngine(opts.voice.stt, opts.log);
    this.#tts = opts.tts ?? createTtsEngine(opts.voice.tts);
    opts.channels.on('session', this.#onSession);
  }

  /** The conversation of a guild's call, if Helix is in one. */
  conversation(guildId: string): VoiceConversation | undefined {
    return this.#byGuild.get(guildId);
  }

  #open(session: VoiceSession): void {
    if (this.#closing) return;
    const { client, log, metrics, voice } = this.#opts;
    const guildId = session.guildId;
    const pipeline = VoicePipeline.create({ stt: this.#stt, logger: log, ...pipelineOptionsFrom(voice) });
    const conv = new VoiceConversation({
      session,
      pipeline,
      tts: this.#tts,
      ttsTimeoutMs: voice.tts.timeoutMs,
      bargeInThresholdMs: voice.bargeIn.thresholdMs,
      enqueue: (turn) => this.#enqueue(turn),
      displayName: (userId) => this.#displayName(guildId, userId),
      channelName: () => {
        const ch = client.channels.cache.get(session.channelId);
        return ch && 'name' in ch && typeof ch.name === 'string' ? ch.name : undefined;
      },
      ...(voice.textEcho ? { onTurn: (turn: InboundTurn) => this.#echoHeard(turn) } : {}),
      log,
      metrics,
    });
    this.#byGuild.get(guildId)?.close().catch(() => undefined);
    this.#byGuild.set(guildId, conv);
    session.on('closed', () => {
      if (this.#byGuild.get(guildId) === conv) this.#byGuild.delete(guildId);
      void conv.close();
    });
    log.info({ guild_id: guildId, channel_id: session.channelId, stt: this.#stt.name, tts: this.#tts.name }, 'voice conversation started');
  }

  /** As message-intake: the event id is the job id; a Redis blip is retried with backoff (same id, one turn). */
  async #enqueue(turn: InboundTurn): Promise<void> {
    const add = () => this.#opts.inbound.add('turn', turn, inboundJobOptions(jobIdFor('discord', turn.eventId), { dedupeWindowSec: this.#opts.dedupeWindowSec }));
    for (let attempt = 0, delay = 250; ; attempt++, delay = Math.min(delay * 2, 4_000)) {
      try {
        await add();
        return;
      } catch (err) {
        if (this.#closing || attempt >= 6) throw err;
        if (attempt === 0) this.#opts.log.warn({ err: (err as Error).message, event_id: turn.eventId }, 'inbound queue unreachable; retrying the voice turn');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** The guild member's display name (nickname, else the user's display name), from the cache or one bounded fetch. */
  async #displayName(guildId: string, userId: string): Promise<string> {
    const { client } = this.#opts;
    const guild = client.guilds.cache.get(guildId);
    let member = guild?.members.cache.get(userId) ?? guild?.voiceStates.cache.get(userId)?.member ?? undefined;
    if (!member && guild) {
      let timer: NodeJS.Timeout | undefined;
      member = await Promise.race([
        guild.members.fetch(userId).catch(() => undefined),
        new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), this.#opts.memberLookupMs ?? 2_000))),
      ]).finally(() => clearTimeout(timer));
    }
    return member?.displayName ?? client.users.cache.get(userId)?.displayName ?? 'someone';
  }

  /** `voice.textEcho`: what was heard, in the voice channel's chat. */
  async #echoHeard(turn: InboundTurn): Promise<void> {
    const channelId = turn.conversation.route?.[RouteKey.channelId];
    if (!channelId) return;
    const content = `🎙️ **${escapeMarkdown(turn.author.displayName)}**: ${turn.text}`.slice(0, 2_000);
    await this.#opts.poster.post(`heard-${turn.eventId}`, channelId, [{ content, embeds: [], components: [] }], undefined);
  }

  /**
   * Delivers a reply of a voice conversation: spoken in the call (once: the ledger marks it before it plays,
   * so a retried job never says it again; a crash mid-sentence loses the rest rather than repeating it), and
   * posted in the channel's chat with `voice.textEcho`, or when Helix is no longer in that channel (so the
   * answer is not lost). Errors from Discord's REST surface to the caller, which sorts them.
   */
  async deliver(reply: OutboundReply, messages: RenderedMessage[], log: Logger = this.#opts.log): Promise<VoiceDeliveryOutcome> {
    const { ledger, poster, metrics, voice } = this.#opts;
    const route = reply.conversation.route ?? {};
    const channelId = route[RouteKey.channelId];
    const guildId = route[RouteKey.guildId];
    // With several bot processes (shards) any of them may take this job; only the one serving the guild holds its call.
    if (guildId && !this.#opts.client.guilds.cache.has(guildId)) {
      throw new HelixError('platform_unavailable', `voice reply ${reply.replyId} is for guild ${guildId}, which another bot process serves; retried so that process can speak it.`);
    }
    const conv = guildId ? this.#byGuild.get(guildId) : undefined;
    const inCall = conv !== undefined && !conv.closed && conv.channelId === channelId;
    if (channelId && (voice.textEcho || !inCall)) await poster.post(reply.replyId, channelId, messages, undefined);
    if (!inCall) {
      metrics.replies.inc({ outcome: 'not_in_voice' });
      log.info({ guild_id: guildId, channel_id: channelId }, 'voice reply posted as text: Helix is not in that voice channel');
      return 'posted';
    }
    const key = `${reply.replyId}#voice`;
    // The ledger is checked and marked before the reply plays, while its first sentence is synthesized.
    const once = async () => {
      if ((await ledger.posted(key)).size > 0) return false;
      await ledger.record(key, 0, 'spoken');
      return true;
    };
    const text = spokenText(reply);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), sayDeadlineMs(text.length))));
    const said = await Promise.race([conv.say(reply.replyId, text, log, { beforePlay: once }), deadline]).finally(() => clearTimeout(timer));
    if (said === 'timeout') {
      log.warn({ chars: text.length }, 'voice reply still playing past its deadline; the delivery job lets go of it');
      metrics.replies.inc({ outcome: 'spoken' });
      return 'spoken';
    }
    if (said.outcome === 'skipped') {
      metrics.replies.inc({ outcome: 'duplicate' });
      log.info('voice reply already spoken; not saying it again');
      return 'duplicate';
    }
    metrics.replies.inc({ outcome: said.outcome });
    log.info({ outcome: said.outcome, first_frame_ms: roundOr(said.firstFrameMs), first_sentence_tts_ms: roundOr(said.firstSentenceTtsMs), frames: said.frames }, 'voice reply said');
    if (said.outcome !== 'not_in_voice') return said.outcome;
    // Helix left the call before it could speak: the answer goes to the chat instead.
    if (!voice.textEcho) await poster.post(reply.replyId, channelId, messages, undefined);
    return 'posted';
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#opts.channels.off('session', this.#onSession);
      await Promise.allSettled([...this.#byGuild.values()].map((c) => c.close()));
      this.#byGuild.clear();
      await Promise.allSettled([this.#stt.close?.(), this.#tts.close?.()]);
    })();
    return this.#closing;
  }
}

function roundOr(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms);
}

function escapeMarkdown(s: string): string {
  return s.replace(/([*_~`|\\>])/g, '\\$1');
}
