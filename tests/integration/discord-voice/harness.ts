// The real Discord bot (discord.js + @discordjs/voice, in-process) with voice on, against the fake gateway and
// the fake voice server (wss with a throw-away certificate this process trusts, UDP, AES-GCM, DAVE declined).
import type { VoiceSession } from '../../../bots/discord/voice/voice-session.ts';
import type { HelixConfig } from '../../../config/index.ts';
import { startFakeVoice, trustInProcess, type FakeVoice } from '../../fakes/discord-voice/index.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { startDiscordMesh, type DiscordMesh } from '../discord/harness.ts';

export interface VoiceMesh extends DiscordMesh {
  voice: FakeVoice;
  guildId: string;
  /** Runs /join as `user` and resolves with the bot's session once the answer says it joined. */
  join(user?: string): Promise<VoiceSession>;
}

export async function startVoiceMesh(voice: Partial<HelixConfig['discord']['voice']> = {}): Promise<VoiceMesh> {
  const mesh = await startDiscordMesh({ discord: { voice: { enabled: true, leaveWhenEmptyMs: 30_000, joinTimeoutMs: 15_000, ...voice } } });
  let fakeVoice: FakeVoice | undefined;
  try {
    fakeVoice = await startFakeVoice({ discord: mesh.fake });
    trustInProcess(fakeVoice.cert);
  } catch (err) {
    await mesh.cleanup();
    throw err;
  }
  const v = fakeVoice;
  const guildId = mesh.fake.guild().id;
  const cleanup = mesh.cleanup;
  return Object.assign(mesh, {
    voice: v,
    guildId,
    async join(user = 'alice') {
      const i = mesh.fake.sendInteraction({ type: 2, commandName: 'join', user, channelId: 'general' });
      const edit = await i.waitFor('edit-original', 20_000);
      const content = (edit.body as { content?: string }).content ?? '';
      if (!content.startsWith("I'm here")) throw new Error(`join failed: ${content}`);
      const session = mesh.bot.voice?.session(guildId);
      if (!session) throw new Error('no voice session after /join');
      return session;
    },
    async cleanup() {
      await cleanup();
      await v.close();
    },
  });
}

/** Puts `user` in `channel` and waits until the bot's cache shows it (VOICE_STATE_UPDATE arrived). */
export async function enterVoice(mesh: VoiceMesh, user: string, channel = 'Lounge'): Promise<void> {
  mesh.fake.joinVoice(user, channel);
  const userId = mesh.fake.user(user).id;
  const channelId = mesh.fake.channel(channel).id;
  await eventually(() => mesh.bot.client.guilds.cache.get(mesh.guildId)?.voiceStates.cache.get(userId)?.channelId === channelId, 5_000, `${user} in ${channel} (bot cache)`);
}

/** Collects a session's packets per user. */
export function collectPackets(session: VoiceSession): Map<string, Buffer[]> {
  const byUser = new Map<string, Buffer[]>();
  session.on('speakerPacket', (userId, opus) => {
    const list = byUser.get(userId) ?? [];
    list.push(opus);
    byUser.set(userId, list);
  });
  return byUser;
}
