// A voice call as a conversation: the real bot (discord.js + @discordjs/voice) hears espeak-ng speech through the
// fake voice server, transcribes it with the local engine (pocketsphinx, phrase list) and puts a voice turn on
// `inbound`; the test plays the brain and puts the reply on `outbound-discord`, which the bot speaks (espeak-ng)
// exactly once and, with voice.textEcho, also writes in the channel's chat.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jobIdFor } from '../../../mesh/index.ts';
import { speechPcm, voicedMs } from '../../fakes/discord-voice/index.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { botMessages, sample } from '../discord/harness.ts';
import { speechFrames, startVoiceBrainMesh, type VoiceBrainMesh } from './brain-harness.ts';

let mesh: VoiceBrainMesh;
beforeAll(async () => {
  mesh = await startVoiceBrainMesh({ voice: { textEcho: true } });
  await mesh.enter('alice');
  await mesh.enter('bob');
  await mesh.join('alice');
  await speechFrames('Helix, what time is it?');
}, 90_000);

afterAll(async () => {
  await mesh?.cleanup();
});

/** Lines the bot logged with this message. */
const logged = (msg: string) => mesh.log.lines.filter((l) => l.msg === msg);

/** On a missing turn, what the bot's voice path said (debug included): the only trace of a flake on a loaded CI. */
function dumpVoiceLog(err: unknown): never {
  console.log(JSON.stringify(mesh.inbound!.data.map((t) => [t.author.displayName, t.text])), JSON.stringify(mesh.log.lines.filter((l) => String(l.msg).includes('voice') || Number(l.level) >= 40).slice(-40)));
  throw err;
}

describe('discord voice: a call as a conversation', () => {
  test('GIVEN alice says "Helix, what time is it?" THEN one voice turn (her id and display name, the voice channel) reaches inbound; its reply is spoken once and echoed in the chat, and a retried reply job is not spoken again', async () => {
    const { fake, loungeId, guildId } = mesh;
    await mesh.say('alice', 'Helix, what time is it?');
    const [turn] = await mesh.inbound!.waitFor(1, 30_000).catch(dumpVoiceLog);
    expect(turn).toMatchObject({
      platform: 'discord',
      modality: 'voice',
      text: 'helix what time is it',
      author: { accountId: fake.user('alice').id, displayName: 'Alice', isBot: false },
      conversation: { id: `voice-${loungeId}`, kind: 'voice', route: { channelId: loungeId, guildId } },
    });
    expect(mesh.inbound!.items[0]!.jobId).toBe(jobIdFor('discord', turn!.eventId));
    expect(turn!.eventId).toMatch(/^v-\d+-\d+-\d+$/);
    // textEcho: what was heard shows in the voice channel's chat.
    await eventually(() => botMessages(fake, 'Lounge').some((m) => m.content.includes('helix what time is it')), 10_000, 'the heard text in the chat');
    expect(botMessages(fake, 'Lounge')[0]!.content).toContain('Alice');

    const text = "It's **three** o'clock. Time for tea!";
    const reply = await mesh.reply({ conversation: turn!.conversation, inReplyTo: turn!.eventId, parts: [text] });
    await eventually(() => logged('voice reply said').length === 1, 30_000, 'the reply spoken');
    expect(logged('voice reply said')[0]).toMatchObject({ outcome: 'spoken', reply_id: reply.replyId });
    const audio = mesh.audio();
    const decoded = mesh.voice.decodePlayed(audio);
    expect(decoded.rejected).toBe(0);
    const reference = voicedMs(await speechPcm("It's three o'clock. Time for tea!", { voice: 'en-us', wpm: 175 }));
    const voiced = voicedMs(decoded.pcm);
    expect(voiced).toBeGreaterThan(reference * 0.7);
    expect(voiced).toBeLessThan(reference * 1.4);
    await eventually(() => botMessages(fake, 'Lounge').some((m) => m.content.includes("It's **three** o'clock")), 10_000, 'the reply text in the chat');

    // The same reply again (a retried job under another id): not spoken a second time, not posted twice.
    const played = mesh.voice.played().length;
    await mesh.reply({ ...reply }, `${reply.replyId}-retry`);
    await eventually(() => logged('voice reply already spoken; not saying it again').length === 1, 10_000, 'the duplicate noticed');
    const t0 = Date.now();
    await eventually(() => Date.now() - t0 >= 500, 2_000, 'observation window');
    expect(mesh.voice.played().length).toBe(played);
    expect(botMessages(fake, 'Lounge').filter((m) => m.content.includes("o'clock"))).toHaveLength(1);
    const metrics = await (await fetch(`${mesh.bot.url}/metrics`)).text();
    expect(sample(metrics, 'helix_discord_voice_replies_total', { outcome: 'spoken' })).toBe(1);
    expect(sample(metrics, 'helix_discord_voice_replies_total', { outcome: 'duplicate' })).toBe(1);
    expect(sample(metrics, 'helix_discord_voice_turns_total', { outcome: 'queued' })).toBe(1);
  }, 90_000);

  test('GIVEN bob speaks with corrupt Opus, undecryptable packets and an unknown SSRC mixed in THEN his turn still arrives attributed to him, and so does alice\'s next one', async () => {
    const { fake } = mesh;
    const before = mesh.inbound!.items.length;
    const frames = await speechFrames('Good morning, Helix.', { voice: 'en+m3', wpm: 150 });
    await mesh.sendFrames('bob', frames, { inject: (i) => (i % 10 === 3 ? ['bad-opus', 'unknown-ssrc'] : i === 20 ? ['bad-tag'] : []) });
    await mesh.say('alice', 'Tell me a joke.');
    await mesh.inbound!.waitFor(before + 2, 30_000).catch(dumpVoiceLog);
    const turns = mesh.inbound!.data.slice(before);
    expect(turns.map((t) => [t.author.displayName, t.text])).toEqual([
      ['Bob', 'good morning helix'],
      ['Alice', 'tell me a joke'],
    ]);
    expect(turns[0]!.author.accountId).toBe(fake.user('bob').id);
  }, 90_000);

  test('GIVEN Helix left the voice channel WHEN a reply for it arrives THEN it is posted in the channel chat instead', async () => {
    const { fake } = mesh;
    await mesh.bot.voice!.leave(mesh.guildId);
    await mesh.reply({ parts: ['You can read this instead.'] });
    await eventually(() => botMessages(fake, 'Lounge').some((m) => m.content === 'You can read this instead.'), 15_000, 'the text fallback');
    await eventually(() => logged('voice reply posted as text: Helix is not in that voice channel').length === 1, 5_000, 'the fallback logged');
  }, 60_000);
});
