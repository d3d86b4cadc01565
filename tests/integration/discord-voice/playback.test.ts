// Helix speaking: the bot plays Opus frames through @discordjs/voice's AudioPlayer; the fake voice server decrypts
// and decodes what arrives, and measures it. stopPlayback() (barge-in) must cut the packets within 200 ms.
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { correlation, decodeOpus, encodeOpus, frameRms, speechPcm, voicedMs } from '../../fakes/discord-voice/index.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { enterVoice, startVoiceMesh, type VoiceMesh } from './harness.ts';

let mesh: VoiceMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

let shortPcm: Buffer;
let longFrames: Buffer[];
beforeAll(async () => {
  shortPcm = await speechPcm('I am Helix. Nice to meet you, Alice!');
  longFrames = encodeOpus(await speechPcm('This is a long answer that keeps going for a while, so that someone has time to interrupt it before it ends, which is the whole point of barge in.'));
}, 30_000);

async function* frames(list: readonly Buffer[], onClose?: () => void): AsyncGenerator<Buffer> {
  try {
    for (const f of list) yield f;
  } finally {
    onClose?.();
  }
}

describe('discord voice: playback', () => {
  test('GIVEN the bot plays espeak speech THEN the voice server receives every frame, announced by SPEAKING, paced at 20 ms, and it decodes to speech of the same length', async () => {
    mesh = await startVoiceMesh();
    await enterVoice(mesh, 'alice');
    const session = await mesh.join();
    const sent = encodeOpus(shortPcm);
    expect(await session.play(frames(sent))).toBe('finished');
    const vs = mesh.voice.session()!;
    await eventually(() => vs.speaking.some((s) => s.speaking === 0), 5_000, 'SPEAKING 0 after playback');

    const played = mesh.voice.played();
    const audio = played.filter((p) => !p.silence);
    expect(audio.map((p) => p.opus)).toEqual(sent);
    expect(played.slice(audio.length)).toHaveLength(5); // five silence frames close the spurt
    expect(vs.decryptFailures).toBe(0);
    expect(vs.nonceRegressions).toBe(0);
    expect(vs.speaking[0]).toMatchObject({ speaking: 1 });
    expect(vs.speaking[0]!.at).toBeLessThanOrEqual(played[0]!.at);
    // Real-time pacing: the spurt lasts about as long as the audio in it.
    const spanMs = audio.at(-1)!.at - audio[0]!.at;
    expect(spanMs).toBeGreaterThan((audio.length - 1) * 20 * 0.8);
    expect(spanMs).toBeLessThan((audio.length - 1) * 20 * 1.5);

    const decoded = mesh.voice.decodePlayed(audio);
    expect(decoded.rejected).toBe(0);
    const voiced = voicedMs(decoded.pcm);
    expect(voiced).toBeGreaterThan(voicedMs(shortPcm) * 0.8);
    expect(voiced).toBeLessThan(voicedMs(shortPcm) * 1.2);
    expect(voiced).toBeGreaterThan(800);
    expect(correlation(frameRms(decoded.pcm), frameRms(decodeOpus(sent).pcm))).toBeGreaterThan(0.95);
  }, 60_000);

  test('GIVEN a reply whose first frame takes a while (text-to-speech) THEN that frame is sent the moment it exists, not on the player\'s next 20 ms cycles, and the rest follows at 20 ms pace', async () => {
    mesh = await startVoiceMesh();
    await enterVoice(mesh, 'alice');
    const session = await mesh.join();
    const sent = encodeOpus(shortPcm).slice(0, 10);
    const latencies: number[] = [];
    for (let run = 0; run < 3; run++) {
      const before = mesh.voice.played().length;
      let readyAt = 0;
      async function* slowStart(): AsyncGenerator<Buffer> {
        await new Promise((r) => setTimeout(r, 120)); // "synthesis"
        readyAt = Date.now();
        yield* sent;
      }
      expect(await session.play(slowStart())).toBe('finished');
      const audio = mesh.voice.played().slice(before).filter((p) => !p.silence);
      expect(audio.map((p) => p.opus)).toEqual(sent);
      latencies.push(audio[0]!.at - readyAt);
      const spanMs = audio.at(-1)!.at - audio[0]!.at;
      expect(spanMs).toBeGreaterThan((audio.length - 1) * 20 * 0.8);
      expect(spanMs).toBeLessThan((audio.length - 1) * 20 * 1.5 + 20);
    }
    // Through the player's cycle alone the first packet takes 20-40 ms (read at one step, sent at the next).
    expect(Math.min(...latencies)).toBeLessThan(15);
  }, 60_000);

  test('GIVEN the bot is speaking WHEN stopPlayback() is called THEN no audio packet arrives more than 200 ms later, play() resolves "stopped" and the frame source is closed', async () => {
    mesh = await startVoiceMesh();
    await enterVoice(mesh, 'alice');
    const session = await mesh.join();
    let sourceClosed = false;
    const playbackEvents: boolean[] = [];
    session.on('playback', (on) => playbackEvents.push(on));
    const playing = session.play(frames(longFrames, () => (sourceClosed = true)));
    await eventually(() => mesh!.voice.played().length >= 25, 10_000, 'half a second of playback');
    expect(session.playing).toBe(true);
    const t0 = Date.now();
    session.stopPlayback();
    expect(await playing).toBe('stopped');
    expect(Date.now() - t0).toBeLessThan(200);
    const vs = mesh.voice.session()!;
    await eventually(() => vs.speaking.some((s) => s.speaking === 0 && s.at >= t0), 5_000, 'SPEAKING 0 after stop');
    // Watch a further stretch of time for stragglers (absence can only be checked over a window).
    await eventually(() => Date.now() - t0 >= 500, 2_000, 'observation window');
    const late = mesh.voice.played().filter((p) => p.at > t0 + 200);
    expect(late).toEqual([]);
    expect(mesh.voice.played().length).toBeLessThan(longFrames.length / 2);
    expect(sourceClosed).toBe(true);
    expect(session.playing).toBe(false);
    expect(playbackEvents).toEqual([true, false]);

    // The session plays again afterwards.
    const before = mesh.voice.played().length;
    expect(await session.play(frames(longFrames.slice(0, 20)))).toBe('finished');
    await eventually(() => mesh!.voice.played().length >= before + 20, 5_000, 'second playback');
  }, 60_000);
});
