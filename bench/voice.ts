// Voice: CPU of one active speaker's receive path (Opus decode to 16 kHz mono + VAD + endpointing) at
// Discord's real pace, and the real-time factor of the local engines (pocketsphinx, espeak-ng + Opus).
// Audio is real: espeak-ng speech, made 48 kHz stereo by sox and Opus-encoded as a client would.
// Each figure is the median of 3 runs.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpusScript from 'opusscript';
import { createLogger } from '../mesh/index.ts';
import { decodeWav } from '../voice/audio/pcm.ts';
import { VoicePipeline } from '../voice/index.ts';
import { PocketSphinxStt } from '../voice/stt/pocketsphinx.ts';
import type { SttEngine } from '../voice/stt/engine.ts';
import { EspeakTts } from '../voice/tts/espeak.ts';
import { speak } from '../voice/tts/speak.ts';
import type { BenchOptions } from './args.ts';
import { say } from './progress.ts';
import { check, info, type Metric } from './report.ts';

const RUNS = 3;
/** Seconds of paced audio per CPU run. */
const PACED_SECONDS = 10;
const PASSAGE =
  'Helix, what time is it? Tell me a joke about the weather. I would like to hear something about the ocean and the stars, and then remind me to call my sister tomorrow morning at nine.';
const REPLY = 'Good morning. It is ten past three in the afternoon, and the weather is fine. Here is a joke: why did the scarecrow win an award? Because he was outstanding in his field.';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchVoice(_opts: BenchOptions): Promise<{ metrics: Metric[]; notes: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'helix-bench-voice-'));
  try {
    execFileSync('espeak-ng', ['-w', join(dir, 'p.wav'), PASSAGE]);
    execFileSync('sox', [join(dir, 'p.wav'), '-r', '48000', '-c', '2', '-b', '16', '-e', 'signed-integer', '-t', 'raw', join(dir, 'p.raw')]);
    execFileSync('sox', [join(dir, 'p.wav'), '-r', '16000', '-c', '1', '-b', '16', join(dir, 'q.wav')]);
    execFileSync('espeak-ng', ['-w', join(dir, 'q1.wav'), 'Helix, what time is it?']);
    execFileSync('sox', [join(dir, 'q1.wav'), '-r', '16000', '-c', '1', '-b', '16', join(dir, 'q116.wav')]);
    const packets = encode(readFileSync(join(dir, 'p.raw')));
    const passage16k = decodeWav(readFileSync(join(dir, 'q.wav'))).samples;
    const phrase16k = decodeWav(readFileSync(join(dir, 'q116.wav'))).samples;

    const cpu: number[] = [];
    const inPipelineCpu: number[] = [];
    const pacingCpu: number[] = [];
    const fastUsPerPacket: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      say(`voice: receive CPU run ${run + 1}/${RUNS} (${PACED_SECONDS} s of audio at 50 packets/s)`);
      const withPipeline = await pacedCpu(packets, PACED_SECONDS, true);
      const pacingOnly = await pacedCpu(packets, PACED_SECONDS / 2, false);
      pacingCpu.push(pacingOnly.process);
      cpu.push(Math.max(0, withPipeline.process - pacingOnly.process));
      inPipelineCpu.push(withPipeline.inPipeline);
      fastUsPerPacket.push(await fastCpu(packets));
    }

    // The engines' children are timed with bash's `times` (their user+system CPU), so the CPU figures
    // hold on a busy machine where wall-clock real-time factors do not.
    const sphinx = timedBinary(dir, 'pocketsphinx_continuous');
    const espeakBin = timedBinary(dir, 'espeak-ng');
    const sttLm: number[] = [];
    const sttLmCpu: number[] = [];
    const sttGrammar: number[] = [];
    const sttGrammarCpu: number[] = [];
    const grammar = new PocketSphinxStt({ phrases: ['helix what time is it', 'tell me a joke', 'good morning helix', 'stop'], binary: sphinx.path });
    const lm = new PocketSphinxStt({ binary: sphinx.path });
    for (let run = 0; run < RUNS; run++) {
      say(`voice: pocketsphinx run ${run + 1}/${RUNS}`);
      sttLm.push(await rtf(() => lm.transcribe(passage16k, { signal: AbortSignal.timeout(300_000) }), passage16k.length / 16_000));
      sttLmCpu.push(sphinx.cpuSeconds() / (passage16k.length / 16_000));
      sttGrammar.push(await rtf(() => grammar.transcribe(phrase16k, { signal: AbortSignal.timeout(120_000) }), phrase16k.length / 16_000));
      sttGrammarCpu.push(sphinx.cpuSeconds() / (phrase16k.length / 16_000));
    }
    lm.close();
    grammar.close();

    const tts: number[] = [];
    const ttsCpu: number[] = [];
    const firstFrame: number[] = [];
    const logger = createLogger('bench-voice', 'silent');
    for (let run = 0; run < RUNS; run++) {
      say(`voice: espeak-ng + Opus run ${run + 1}/${RUNS}`);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      let frames = 0;
      let first = 0;
      let childCpu = 0;
      const engine = new EspeakTts({ binary: espeakBin.path });
      const counted = { name: engine.name, synthesize: async (t: string, o: { signal: AbortSignal }) => {
        const pcm = await engine.synthesize(t, o);
        childCpu += espeakBin.cpuSeconds();
        return pcm;
      } };
      for await (const _f of speak(REPLY, counted, { logger })) {
        if (frames++ === 0) first = performance.now() - t0;
      }
      const own = process.cpuUsage(c0);
      tts.push((performance.now() - t0) / 1_000 / (frames * 0.02));
      ttsCpu.push((childCpu + (own.user + own.system) / 1e6) / (frames * 0.02));
      firstFrame.push(first);
    }

    const metrics: Metric[] = [
      check('voice_receive_cpu_pct', 'receive CPU per active speaker (Opus decode to 16 kHz mono + VAD + endpointing, % of one core)', round2(median(inPipelineCpu)), '%', '<=', 2),
      info('voice_receive_process_cpu_pct', 'the same as the whole process sees it (with − without the pipeline, every thread, timers included; noisy)', round2(median(cpu)), '%'),
      info('voice_receive_us_per_packet', 'receive CPU per 20 ms packet (fed as fast as possible)', Math.round(median(fastUsPerPacket)), 'µs'),
      check('voice_stt_local_cpu_rtf', 'local STT CPU real-time factor (pocketsphinx, general model, 12 s passage)', round2(median(sttLmCpu)), '×', '<=', 1),
      info('voice_stt_local_rtf', 'local STT wall-clock real-time factor (same; depends on machine load)', round2(median(sttLm)), '×'),
      info('voice_stt_local_grammar_cpu_rtf', 'local STT CPU real-time factor (phrase grammar, 1.7 s phrase)', round2(median(sttGrammarCpu)), '×'),
      check('voice_tts_local_cpu_rtf', 'local TTS CPU real-time factor (espeak-ng + resample + Opus encode)', round2(median(ttsCpu)), '×', '<=', 1),
      info('voice_tts_local_rtf', 'local TTS wall-clock real-time factor (depends on machine load)', round2(median(tts)), '×'),
      info('voice_tts_first_frame_ms', 'local TTS: first Opus frame of a reply', Math.round(median(firstFrame)), 'ms'),
    ];
    const notes = [
      `medians of ${RUNS} runs over ${PACED_SECONDS} s of espeak-ng speech paced at 50 packets/s, one speaker, no STT; receive CPU = time inside the pipeline's synchronous calls (hrtime; an upper bound of their CPU) / wall time; the whole-process figure is process.cpuUsage() minus the same pacing loop without the pipeline (${pacingCpu.map(round2).join(' / ')} %)`,
      `runs: receive CPU ${inPipelineCpu.map(round2).join(' / ')} % (whole process ${cpu.map(round2).join(' / ')} %); pocketsphinx CPU RTF ${sttLmCpu.map(round2).join(' / ')}, wall ${sttLm.map(round2).join(' / ')}; TTS CPU RTF ${ttsCpu.map(round2).join(' / ')}, wall ${tts.map(round2).join(' / ')}`,
      'real-time factor = processing time / audio duration (below 1 is faster than real time)',
    ];
    return { metrics, notes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function encode(raw: Buffer): Buffer[] {
  const enc = new OpusScript(48_000, 2, OpusScript.Application.VOIP);
  const out: Buffer[] = [];
  for (let at = 0; at + 3_840 <= raw.length; at += 3_840) out.push(Buffer.from(enc.encode(raw.subarray(at, at + 3_840), 960)));
  enc.delete();
  return out;
}

/** A speech-to-text engine that costs nothing, so only the receive path is measured. */
const nullStt: SttEngine = { name: 'null', transcribe: () => Promise.resolve({ text: '' }) };

/**
 * CPU at Discord's real pace: the whole process's (user+system, every thread) per wall time, and the time spent
 * inside the pipeline's own synchronous calls (push: decode, VAD, endpointing) per wall time.
 */
async function pacedCpu(packets: Buffer[], seconds: number, withPipeline: boolean): Promise<{ process: number; inPipeline: number }> {
  const pipeline = await VoicePipeline.create({ stt: nullStt, logger: createLogger('bench-voice', 'silent') });
  const total = seconds * 50;
  let inPipelineUs = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    if (withPipeline) {
      // Wall time inside a synchronous call: CPU on this thread plus any preemption, so an upper bound. (Thread CPU
      // counters are tick-sampled on this kernel: a 100 µs call mostly reads as 0 or a whole tick.)
      const a = process.hrtime.bigint();
      pipeline.push('speaker', packets[i % packets.length]!);
      inPipelineUs += Number(process.hrtime.bigint() - a) / 1_000;
    }
    const due = t0 + (i + 1) * 20;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  await pipeline.close();
  return { process: ((c.user + c.system) / 1_000 / wall) * 100, inPipeline: (inPipelineUs / 1_000 / wall) * 100 };
}

async function fastCpu(packets: Buffer[]): Promise<number> {
  const pipeline = await VoicePipeline.create({ stt: nullStt, logger: createLogger('bench-voice', 'silent') });
  const c0 = process.cpuUsage();
  for (const p of packets) pipeline.push('speaker', p);
  const c = process.cpuUsage(c0);
  await pipeline.close();
  return (c.user + c.system) / packets.length;
}

/** A wrapper script that runs `binary` and records its children's CPU time (bash `times`). */
function timedBinary(dir: string, binary: string): { path: string; cpuSeconds: () => number } {
  const path = join(dir, `timed-${binary}`);
  const log = join(dir, `timed-${binary}.times`);
  writeFileSync(path, `#!/bin/bash\n${binary} "$@"\nrc=$?\ntimes > '${log}'\nexit $rc\n`);
  chmodSync(path, 0o755);
  return {
    path,
    cpuSeconds: () => {
      // Second line: children's user and system time, e.g. "0m1.204s 0m0.080s".
      const line = readFileSync(log, 'utf8').trim().split('\n')[1] ?? '';
      return [...line.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
    },
  };
}

async function rtf(fn: () => Promise<unknown>, audioSeconds: number): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1_000 / audioSeconds;
}
