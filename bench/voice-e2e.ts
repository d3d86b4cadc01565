// 13. Voice end to end: a user says "Helix, what time is it?" in a Discord voice channel (the fake voice server,
// real Opus over UDP, real espeak-ng speech) → the bot (in-process, @discordjs/voice) transcribes it with the
// local engine (pocketsphinx, phrase list) → the brain (in-process, the instant model) → the reply spoken with
// espeak-ng → its first audio packet at the fake voice server. The total, and what is left after the engines
// (speech-to-text, the model, text-to-speech of the first sentence, each as measured in this exchange) and the
// configured end-of-turn silence: the pipeline's own overhead (decode, VAD, endpointing, the end-of-turn timer,
// queues, brain, delivery, resampling and encoding, the send).
import { pino } from 'pino';
import { startDiscordBot, type RunningDiscordBot } from '../bots/discord/discord-bot.ts';
import type { SpokenReply, VoiceConversation } from '../bots/discord/voice/voice-conversation.ts';
import { HelixConfig } from '../config/index.ts';
import { createLogger, type InboundTurn } from '../mesh/index.ts';
import type { DroppedTranscript, Transcript, Utterance } from '../voice/index.ts';
import { startFakeDiscord, type FakeDiscord } from '../tests/fakes/discord/index.ts';
import { encodeOpus, frameRms, speechPcm, startFakeVoice, trustInProcess, type FakeVoice } from '../tests/fakes/discord-voice/index.ts';
import type { BenchOptions } from './args.ts';
import { track } from './cleanup.ts';
import { startHelixPipe, type HelixPipe } from './helix-pipe.ts';
import { say } from './progress.ts';
import { REDIS_URL, dropPrefix } from './redis-keys.ts';
import { check, info, type Metric } from './report.ts';
import { percentile, summarize } from './stats.ts';

const SAMPLES = 20;
const QUICK_SAMPLES = 8;
/**
 * Exchanges before measuring. A brain's first turns are not its steady state: PostgreSQL plans each prepared
 * statement afresh for its first five runs, and V8 has not compiled the hot paths yet (recall took 2–3× longer
 * over the first ~15 calls in a fresh process). The text benches warm up with 200 turns; 8 exchanges here.
 */
const WARMUP = 8;
const PHRASE = 'Helix, what time is it?';
const SAMPLE_TIMEOUT_MS = 60_000;
/** Exchanges without a reply tolerated (each reported) before the run fails. */
const MAX_LOST = 3;
/** Frames louder than this (RMS 0..1) are speech: the last one marks the end of speech. */
const VOICED_RMS = 0.01;

interface Sample {
  totalMs: number;
  sttMs: number;
  modelMs: number;
  ttsMs: number;
  silenceMs: number;
  overheadMs: number;
  /** Where the overhead went (ms): see the notes. */
  parts: { endOfTurn: number; toQueue: number; brain: number; delivery: number; ttsRest: number; player: number };
  /** The pipeline's end of speech (utterance.endedAt, its own clock) − the sent end of speech. */
  vadEnd: number;
  /** This exchange's brain turn (`turn`, receipt → reply enqueued) and each of its stages (ms). */
  brainMs: Record<string, number>;
}

/** The overhead, split where it is measured; the parts add up to it. */
const PARTS = {
  endOfTurn: 'utterance event − sent end of speech − silenceMs',
  toQueue: 'turn queued − utterance − STT',
  brain: "reply enqueued (the brain's helix_turn_seconds from receivedAt) − turn queued − model",
  delivery: 'say() − reply enqueued',
  ttsRest: 'first frame − say() − TTS engine',
  player: 'first packet at the server − first frame',
} as const;

export async function benchVoiceE2e(opts: BenchOptions): Promise<{ metrics: Metric[]; notes: string[] }> {
  const samples = opts.turns < 1_000 ? QUICK_SAMPLES : SAMPLES;
  const helix = await startHelixPipe({ logLevel: opts.brainLog });
  let fake: FakeDiscord | undefined;
  let voice: FakeVoice | undefined;
  let bot: RunningDiscordBot | undefined;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      untrack();
      await bot?.close();
      await voice?.close();
      await fake?.close();
      await helix.close();
      await dropPrefix(helix.prefix);
    })();
    return closing;
  };
  const untrack = track(close);
  try {
    fake = await startFakeDiscord();
    voice = await startFakeVoice({ discord: fake });
    trustInProcess(voice.cert);
    const config = HelixConfig.parse({
      log: { level: opts.brainLog },
      redis: { url: REDIS_URL, prefix: helix.prefix },
      discord: { token: fake.token, apiUrl: fake.apiUrl, port: 0, voice: { enabled: true } },
      voice: { stt: { phrases: ['helix what time is it', 'tell me a joke'] } },
    });
    const log = createLogger('discord', opts.brainLog, pino.destination({ dest: '/dev/null', sync: true }));
    bot = await startDiscordBot({
      config, redisUrl: REDIS_URL, log, serveHttp: false, readyTimeoutMs: 10_000,
      clientOptions: { ws: { buildIdentifyThrottler: async () => ({ waitForIdentify: async () => {} }) } },
    });
    const guildId = fake.guild().id;
    fake.joinVoice('alice', 'Lounge');
    const aliceId = fake.user('alice').id;
    await until(() => bot!.client.guilds.cache.get(guildId)?.voiceStates.cache.get(aliceId)?.channelId !== undefined, 10_000, 'alice in the voice channel');
    const join = await fake.sendInteraction({ type: 2, commandName: 'join', user: 'alice', channelId: 'general' }).waitFor('edit-original', 20_000);
    if (!String((join.body as { content?: unknown }).content).startsWith("I'm here")) throw new Error(`voice-e2e: /join failed: ${JSON.stringify(join.body)}`);
    await until(() => bot!.voiceConversations?.conversation(guildId)?.pipeline !== undefined, 10_000, 'the voice conversation');
    const conv = bot.voiceConversations!.conversation(guildId)!;

    const pcm = await speechPcm(PHRASE);
    const frames = encodeOpus(pcm);
    const rms = frameRms(pcm);
    let lastVoiced = rms.length - 1;
    while (lastVoiced > 0 && rms[lastVoiced]! <= VOICED_RMS) lastVoiced--;
    const silenceMs = config.voice.endpointing.silenceMs;

    const measured: Sample[] = [];
    /** Exchanges that got no spoken reply, and why: counted and reported, not measured. */
    const lost: string[] = [];
    let answered = 0;
    for (let i = 0; i < WARMUP + samples; i++) {
      say(`voice-e2e: ${i < WARMUP ? 'warmup' : 'sample'} ${i < WARMUP ? i + 1 : i - WARMUP + 1}/${i < WARMUP ? WARMUP : samples}`);
      let s: Sample;
      try {
        s = await oneExchange(voice, conv, aliceId, frames, lastVoiced, silenceMs, helix, answered);
      } catch (err) {
        lost.push((err as Error).message);
        say(`voice-e2e: ${(err as Error).message}`);
        if (lost.length > MAX_LOST) throw err;
        i--;
        continue;
      }
      answered++;
      if (i >= WARMUP) measured.push(s);
    }
    const total = summarize(measured.map((s) => s.totalMs));
    const overhead = summarize(measured.map((s) => s.overheadMs));
    const stt = summarize(measured.map((s) => s.sttMs));
    const tts = summarize(measured.map((s) => s.ttsMs));
    const model = summarize(measured.map((s) => s.modelMs));
    const p95 = percentile95;
    const vadOverhead = measured.map((s) => s.overheadMs - s.vadEnd);
    const voiceOnly = measured.map((s) => s.overheadMs - s.parts.brain);
    const brainTurns = measured.map((s) => s.brainMs.turn ?? Number.NaN);
    const brainTurn = summarize(brainTurns);
    return {
      metrics: [
        info('voice_e2e_total_p50_ms', 'end of speech → first reply audio packet, p50 (local engines, instant model)', Math.round(total.p50), 'ms'),
        info('voice_e2e_total_p95_ms', 'end of speech → first reply audio packet, p95', Math.round(p95(measured.map((s) => s.totalMs))), 'ms'),
        info('voice_e2e_overhead_p50_ms', "pipeline's own overhead p50 (total − STT − model − first-sentence TTS − end-of-turn silence)", Math.round(overhead.p50), 'ms'),
        check('voice_e2e_overhead_p95_ms', "pipeline's own overhead p95", Math.round(p95(measured.map((s) => s.overheadMs))), 'ms', '<=', 60),
        info('voice_e2e_overhead_vad_p50_ms', "the same from the pipeline's end of speech (where it starts counting the silence), p50", Math.round(summarize(vadOverhead).p50), 'ms'),
        info('voice_e2e_overhead_vad_p95_ms', "the same from the pipeline's end of speech, p95", Math.round(p95(vadOverhead)), 'ms'),
        info('voice_e2e_overhead_voice_p50_ms', "the overhead without the brain's turn (the voice path: receive, endpointing, STT hop, delivery, TTS hop, send), p50", Math.round(summarize(voiceOnly).p50), 'ms'),
        info('voice_e2e_overhead_voice_p95_ms', "the overhead without the brain's turn, p95", Math.round(p95(voiceOnly)), 'ms'),
        info('voice_e2e_stt_p50_ms', 'speech-to-text (pocketsphinx, phrase grammar) p50', Math.round(stt.p50), 'ms'),
        info('voice_e2e_tts_first_p50_ms', 'text-to-speech of the first sentence (espeak-ng) p50', Math.round(tts.p50), 'ms'),
        info('voice_e2e_model_ms', "model time (the brain's generate stage, instant model), p50", Math.round(model.p50 * 100) / 100, 'ms'),
        info('voice_e2e_silence_ms', 'configured end-of-turn silence (voice.endpointing.silenceMs)', silenceMs, 'ms'),
        info('voice_e2e_samples', 'measured exchanges', measured.length),
        check('voice_e2e_lost', 'exchanges that got no spoken reply (retried; see the notes)', lost.length, '', '<=', 0),
      ],
      notes: [
        `sequential exchanges, ${WARMUP} warmup + ${measured.length} measured; each: alice says "${PHRASE}" (espeak-ng, ${frames.length} Opus frames at real-time pace over the fake voice server's UDP), Helix answers "Got it!" (instant model), the next starts after the reply finished playing`,
        'end of speech = when the packet of the last frame louder than RMS 0.01 was sent (a client sends 20 ms of audio as soon as it has it: the send is the end of that audio); first reply audio = its arrival at the fake voice server (decrypted); both wall clock in this process',
        "engines: speech-to-text = the engine call as the pipeline timed it (transcript.sttMs); model = the brain's generate stage of this turn (instant model); text-to-speech = the engine's synthesis call for the first sentence (resampling and Opus encoding stay in the overhead)",
        `overhead = total − STT − model − TTS − ${silenceMs} ms silence: decode, VAD and endpointing (incl. where the pipeline puts the end of speech), the wait for the end-of-turn timer, two queue hops, the brain's turn, the delivery job, resampling and encoding the first frame, and the send`,
        `overhead runs (ms): ${measured.map((s) => Math.round(s.overheadMs)).join(' ')}`,
        `where it went, p50 / p95 (ms): ${Object.entries(PARTS).map(([k, what]) => {
          const xs = measured.map((s) => s.parts[k as keyof typeof PARTS]);
          return `${what} ${fmt(summarize(xs).p50)} / ${fmt(p95(xs))}`;
        }).join('; ')}; (the pipeline's end of speech, on its own clock, − the sent end of speech: ${fmt(summarize(measured.map((s) => s.vadEnd)).p50)} / ${fmt(p95(measured.map((s) => s.vadEnd)))})`,
        `the brain's own turn (receipt → reply enqueued, helix_turn_seconds), p50 / p95 of the measured exchanges: ${fmt(brainTurn.p50)} / ${fmt(p95(brainTurns))} ms; its stages, p50 (ms): ${Object.keys(measured[0]?.brainMs ?? {}).filter((k) => k !== 'turn').map((k) => `${k} ${fmt(summarize(measured.map((s) => s.brainMs[k] ?? 0)).p50)}`).join(', ')}`,
        `p95 of ${measured.length} samples is close to the maximum; machine load moves every figure (engines run as child processes)`,
        ...(lost.length > 0 ? [`lost exchanges (each retried): ${lost.join(' | ')}`] : []),
      ],
    };
  } finally {
    await close();
  }
}

/**
 * One exchange. `prior` = exchanges before it (one brain turn each): the brain's metrics are means, so this
 * turn's own time is mean_after·(prior+1) − mean_before·prior.
 */
async function oneExchange(voice: FakeVoice, conv: VoiceConversation, userId: string, frames: Buffer[], lastVoiced: number, silenceMs: number, helix: HelixPipe, prior: number): Promise<Sample> {
  const playedBefore = voice.played().length;
  const stagesBefore = await helix.stageMeansMs();
  let speechEndAt = 0;
  let transcript: Transcript | undefined;
  let spoken: SpokenReply | undefined;
  let utterance: { at: number; endedAt: number } | undefined;
  let turnAt = 0;
  let receivedAt = 0;
  let frameAt = 0;
  const onTurn = (t: InboundTurn, tr: Transcript) => {
    transcript = tr;
    turnAt = Date.now();
    receivedAt = Date.parse(t.receivedAt);
  };
  const onSpoken = (s: SpokenReply) => (spoken = s);
  const onAudio = (_id: string, at: number) => (frameAt ||= at);
  const utterances: string[] = [];
  const dropped: string[] = [];
  let droppedAt = 0;
  const onUtterance = (u: Utterance) => {
    utterance ??= { at: Date.now(), endedAt: u.endedAt };
    utterances.push(`${u.speechMs} ms speech (${u.reason})`);
  };
  const onDropped = (d: DroppedTranscript) => {
    dropped.push(`${d.reason}${d.text === undefined ? '' : ` "${d.text}"`} after ${d.sttMs} ms`);
    droppedAt = Date.now();
  };
  conv.on('turn', onTurn);
  conv.on('spoken', onSpoken);
  conv.on('reply-audio', onAudio);
  conv.pipeline!.on('utterance', onUtterance);
  conv.pipeline!.on('transcript-dropped', onDropped);
  try {
    let i = 0;
    await voice.speak(userId, frames, {
      until: () => {
        // Called before packet i waits for its slot, i.e. right after packet i − 1 was sent: packet `lastVoiced` ends the speech.
        if (i++ === lastVoiced + 1) speechEndAt = Date.now();
        return false;
      },
    });
    // A dropped transcript with no turn after it: give up on this exchange after 2 s instead of the full timeout.
    const why = () => `utterances: ${utterances.join(', ') || 'none'}; dropped: ${dropped.join(', ') || 'none'}; transcript: ${transcript?.text ?? 'none'}`;
    await until(() => spoken !== undefined || (droppedAt > 0 && transcript === undefined && Date.now() - droppedAt > 2_000), SAMPLE_TIMEOUT_MS, 'the reply played').catch((err: Error) => {
      throw new Error(`${err.message} (${why()})`);
    });
    if (!spoken) throw new Error(`voice-e2e: no reply (${why()})`);
  } finally {
    conv.off('turn', onTurn);
    conv.off('spoken', onSpoken);
    conv.off('reply-audio', onAudio);
    conv.pipeline!.off('utterance', onUtterance);
    conv.pipeline!.off('transcript-dropped', onDropped);
  }
  const first = voice.played().slice(playedBefore).find((p) => !p.silence);
  if (!first || !transcript || !spoken || spoken.outcome !== 'spoken') throw new Error(`voice-e2e: exchange incomplete (transcript ${transcript?.text ?? 'none'}, reply ${spoken?.outcome ?? 'none'})`);
  const stages = await helix.stageMeansMs();
  const own = (name: string) => {
    const after = stages[name] ?? 0;
    const x = after * (prior + 1) - (stagesBefore[name] ?? 0) * prior;
    return x >= 0 && Number.isFinite(x) ? x : after;
  };
  const modelMs = own('generate');
  const replyQueuedAt = receivedAt + own('turn');
  const totalMs = first.at - speechEndAt;
  const sttMs = transcript.sttMs;
  const ttsMs = spoken.firstSentenceTtsMs ?? 0;
  const sayAt = frameAt - (spoken.firstFrameMs ?? 0);
  const u = utterance ?? { at: turnAt, endedAt: speechEndAt };
  const parts = {
    endOfTurn: u.at - speechEndAt - silenceMs,
    toQueue: turnAt - u.at - sttMs,
    brain: replyQueuedAt - turnAt - modelMs,
    delivery: sayAt - replyQueuedAt,
    ttsRest: frameAt - sayAt - ttsMs,
    player: first.at - frameAt,
  };
  const brainMs = Object.fromEntries(Object.keys(stages).map((name) => [name, own(name)]));
  return { totalMs, sttMs, modelMs, ttsMs, silenceMs, overheadMs: totalMs - sttMs - modelMs - ttsMs - silenceMs, parts, vadEnd: u.endedAt - speechEndAt, brainMs };
}

const fmt = (x: number) => (Math.abs(x) < 10 ? x.toFixed(1) : String(Math.round(x)));

function percentile95(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 95);
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`voice-e2e: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
