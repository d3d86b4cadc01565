// The real Discord bot with voice on and its audio pipeline wired to the mesh (VoiceConversations), against the
// fake gateway and the fake voice server, with the `voice` config section of the caller's choosing. The test
// (or a real brain process) plays the brain: turns arrive on `inbound`, replies go on `outbound-discord`.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startDiscordBot, type RunningDiscordBot } from '../../../bots/discord/discord-bot.ts';
import type { VoiceConversation } from '../../../bots/discord/voice/voice-conversation.ts';
import type { VoiceSession } from '../../../bots/discord/voice/voice-session.ts';
import type { HelixConfig } from '../../../config/index.ts';
import { INBOUND_QUEUE, InboundTurn, OutboundReply, newTraceparent, outboundJobOptions, outboundQueue, type OutboundReplyInput } from '../../../mesh/index.ts';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord/index.ts';
import { encodeOpus, speechPcm, startFakeVoice, trustInProcess, type FakeVoice, type ReceivedPacket } from '../../fakes/discord-voice/index.ts';
import { REDIS_URL, dropPrefix, eventually, testConfig, testPrefix } from '../../helpers/mesh-harness.ts';
import { NO_IDENTIFY_WAIT, QueueCollector, capturingLog } from '../discord/harness.ts';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends readonly unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/** Phrases the local speech-to-text (pocketsphinx) listens for in these tests. */
export const TEST_PHRASES = [
  'helix what time is it',
  'good morning helix',
  'tell me a joke',
  'please stop talking now helix and listen to me',
];

export interface VoiceBrainMesh {
  prefix: string;
  fake: FakeDiscord;
  voice: FakeVoice;
  bot: RunningDiscordBot;
  config: HelixConfig;
  guildId: string;
  loungeId: string;
  log: { lines: Array<Record<string, unknown>> };
  /** Turns the bot queued (only with `collectInbound`). */
  inbound: QueueCollector<typeof InboundTurn> | undefined;
  /** Puts `user` in the Lounge voice channel and waits until the bot's cache shows it. */
  enter(user: string): Promise<void>;
  /** /join as `user`; resolves with the bot's session and conversation once both are up. */
  join(user?: string): Promise<{ session: VoiceSession; conversation: VoiceConversation }>;
  /** `user` says `text` (espeak-ng) into the call at real-time pacing. */
  say(user: string, text: string, opts?: { voice?: string; wpm?: number; until?: () => boolean }): Promise<void>;
  /** Raw frames as `user`. */
  sendFrames(user: string, frames: readonly Buffer[], opts?: { inject?: (i: number) => Array<'bad-tag' | 'bad-opus' | 'unknown-ssrc'> }): Promise<void>;
  /** Audio (not the closing silence frames) the bot played so far. */
  audio(): ReceivedPacket[];
  /** Puts a reply on `outbound-discord` as the brain would. */
  reply(input: Partial<OutboundReplyInput>, jobId?: string): Promise<OutboundReply>;
  cleanup(): Promise<void>;
}

export interface VoiceBrainMeshOptions {
  voice?: DeepPartial<HelixConfig['voice']>;
  /** Collect `inbound` (the test plays the brain). False when a real brain consumes it. @defaultValue `true` */
  collectInbound?: boolean;
}

const speechCache = new Map<string, Buffer[]>();

/** espeak-ng speech as 20 ms Opus frames (cached per process). */
export async function speechFrames(text: string, opts: { voice?: string; wpm?: number } = {}): Promise<Buffer[]> {
  const key = `${text}|${opts.voice ?? ''}|${opts.wpm ?? ''}`;
  let frames = speechCache.get(key);
  if (!frames) {
    frames = encodeOpus(await speechPcm(text, opts));
    speechCache.set(key, frames);
  }
  return frames;
}

export async function startVoiceBrainMesh(opts: VoiceBrainMeshOptions = {}): Promise<VoiceBrainMesh> {
  const prefix = testPrefix();
  const fake = await startFakeDiscord();
  const cleanups: Array<() => Promise<unknown> | void> = [() => fake.close(), () => dropPrefix(prefix)];
  const cleanup = async () => {
    const bounded = (p: Promise<unknown> | void) => Promise.race([Promise.resolve(p).catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
    for (const c of cleanups.splice(0).reverse()) await bounded(c());
  };
  try {
    const voice = await startFakeVoice({ discord: fake });
    cleanups.push(() => voice.close());
    trustInProcess(voice.cert);
    const config = testConfig(prefix, {
      redis: { url: REDIS_URL },
      discord: { token: fake.token, apiUrl: fake.apiUrl, port: 0, voice: { enabled: true, leaveWhenEmptyMs: 30_000, joinTimeoutMs: 15_000 } },
      voice: { stt: { phrases: TEST_PHRASES }, ...opts.voice } as DeepPartial<HelixConfig['voice']>,
    });
    const captured = capturingLog('discord', 'debug');
    const bot = await startDiscordBot({ config, redisUrl: REDIS_URL, log: captured.log, clientOptions: NO_IDENTIFY_WAIT, readyTimeoutMs: 10_000 });
    cleanups.push(() => bot.close());
    const inbound = opts.collectInbound ?? true ? new QueueCollector(INBOUND_QUEUE, InboundTurn, prefix) : undefined;
    if (inbound) cleanups.push(() => inbound.close());
    const outConn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    outConn.on('error', () => {});
    const outbound = new Queue(outboundQueue('discord'), { connection: outConn, prefix });
    outbound.on('error', () => {});
    cleanups.push(async () => {
      await outbound.close();
      outConn.disconnect();
    });
    const guildId = fake.guild().id;
    const loungeId = fake.channel('Lounge').id;
    let n = 0;
    const mesh: VoiceBrainMesh = {
      prefix, fake, voice, bot, config, guildId, loungeId, log: captured, inbound,
      async enter(user) {
        fake.joinVoice(user, 'Lounge');
        const userId = fake.user(user).id;
        await eventually(() => bot.client.guilds.cache.get(guildId)?.voiceStates.cache.get(userId)?.channelId === loungeId, 5_000, `${user} in the Lounge (bot cache)`);
      },
      async join(user = 'alice') {
        const i = fake.sendInteraction({ type: 2, commandName: 'join', user, channelId: 'general' });
        const edit = await i.waitFor('edit-original', 20_000);
        const content = (edit.body as { content?: string }).content ?? '';
        if (!content.startsWith("I'm here")) throw new Error(`join failed: ${content}`);
        const session = bot.voice?.session(guildId);
        if (!session) throw new Error('no voice session after /join');
        await eventually(() => bot.voiceConversations?.conversation(guildId)?.pipeline !== undefined, 10_000, 'the voice conversation and its pipeline');
        return { session, conversation: bot.voiceConversations!.conversation(guildId)! };
      },
      async say(user, text, o = {}) {
        const frames = await speechFrames(text, o);
        await voice.speak(fake.user(user).id, frames, o.until ? { until: o.until } : {});
      },
      async sendFrames(user, frames, o = {}) {
        await voice.speak(fake.user(user).id, frames, o.inject ? { inject: o.inject } : {});
      },
      audio: () => voice.played().filter((p) => !p.silence),
      async reply(input, jobId) {
        const reply = OutboundReply.parse({
          v: 1,
          platform: 'discord',
          replyId: `r-voice-${++n}-${Date.now()}`,
          kind: 'final',
          conversation: { id: `voice-${loungeId}`, kind: 'voice', route: { channelId: loungeId, guildId } },
          parts: ['Hello from the brain.'],
          traceparent: newTraceparent(),
          createdAt: new Date().toISOString(),
          ...input,
        } satisfies OutboundReplyInput);
        await outbound.add('reply', reply, outboundJobOptions(jobId ?? reply.replyId, 'final'));
        return reply;
      },
      cleanup,
    };
    return mesh;
  } catch (err) {
    await cleanup();
    throw err;
  }
}
