import { describe, expect, test } from 'vitest';
import { Endpointer, type EndpointEvent } from '../../../voice/endpointing.ts';

const FRAME = 320;
/** Runs a pattern ('#' speech, '.' silence) through an endpointer; frame i starts at i*20 ms. */
function run(e: Endpointer, pattern: string, start = 0): Array<EndpointEvent & { frame: number }> {
  const out: Array<EndpointEvent & { frame: number }> = [];
  [...pattern].forEach((c, i) => {
    const samples = new Int16Array(FRAME).fill(c === '#' ? 1_000 : 0);
    for (const ev of e.push(samples, c === '#', (start + i) * 20)) out.push({ ...ev, frame: start + i });
  });
  return out;
}
const n = (ms: number, c: '#' | '.') => c.repeat(ms / 20);

describe('Endpointer', () => {
  test('GIVEN speech then silence THEN one utterance, ended on the frame where the silence reaches silenceMs', () => {
    const e = new Endpointer({ silenceMs: 700, minSpeechMs: 200, prerollMs: 200, tailMs: 100 });
    const evs = run(e, n(400, '.') + n(1_000, '#') + n(1_000, '.'));
    expect(evs.map((x) => x.type)).toEqual(['start', 'utterance']);
    const end = evs[1]!;
    if (end.type !== 'utterance') throw new Error('unreachable');
    expect(end.frame).toBe(20 + 50 + 35 - 1); // 35 silent frames = 700 ms
    expect(end.utterance).toMatchObject({ startedAt: 200, endedAt: 1_400, speechMs: 1_000, reason: 'silence' });
    // preroll 200 ms + speech 1000 ms + tail 100 ms
    expect(end.utterance.samples.length).toBe((10 + 50 + 5) * FRAME);
  });

  test('GIVEN pauses shorter than silenceMs inside speech THEN it stays one utterance', () => {
    const e = new Endpointer({ silenceMs: 500 });
    const evs = run(e, n(300, '#') + n(400, '.') + n(300, '#') + n(480, '.') + n(300, '#') + n(600, '.'));
    expect(evs.filter((x) => x.type === 'utterance')).toHaveLength(1);
  });

  test('GIVEN less speech than minSpeechMs (a cough) THEN it is discarded, not an utterance', () => {
    const e = new Endpointer({ minSpeechMs: 250 });
    const evs = run(e, n(200, '#') + n(1_000, '.'));
    expect(evs.map((x) => x.type)).toEqual(['start', 'discard']);
  });

  test('GIVEN endless speech THEN it is cut every maxUtteranceMs', () => {
    const e = new Endpointer({ maxUtteranceMs: 2_000, prerollMs: 0 });
    const evs = run(e, n(5_000, '#')).filter((x) => x.type === 'utterance');
    expect(evs.map((x) => (x.type === 'utterance' ? [x.utterance.reason, x.utterance.samples.length / FRAME] : []))).toEqual([
      ['max', 100],
      ['max', 100],
    ]);
  });

  test('GIVEN silence only THEN nothing happens', () => {
    expect(run(new Endpointer(), n(10_000, '.'))).toEqual([]);
  });

  test('GIVEN flush while speaking THEN the open utterance is finished with reason flush', () => {
    const e = new Endpointer();
    run(e, n(600, '#'));
    const evs = e.flush(600);
    expect(evs[0]).toMatchObject({ type: 'utterance', utterance: { reason: 'flush', speechMs: 600 } });
    expect(e.flush(700)).toEqual([]);
  });

  test('GIVEN speech whose last frames fade fast (the VAD hangover, the codec ringing out) THEN the silence counts from the end of the speech before them, and their audio is kept', () => {
    const e = new Endpointer({ silenceMs: 200, minSpeechMs: 0, prerollMs: 0, tailMs: 0 });
    // 10 speech frames at -20 dBFS, then two the VAD still calls speech at -45 and -50 (fading), then silence.
    const levels = [...Array<number>(10).fill(-20), -45, -50];
    const evs: EndpointEvent[] = [];
    levels.forEach((db, i) => evs.push(...e.push(new Int16Array(FRAME).fill(100), true, i * 20, db)));
    expect(e.silenceDeadline).toBe(200 + 200); // end of frame 9 + silenceMs
    for (let i = levels.length; i < 30 && evs.length < 2; i++) evs.push(...e.push(new Int16Array(FRAME), false, i * 20));
    const end = evs.find((x) => x.type === 'utterance');
    if (end?.type !== 'utterance') throw new Error('no utterance');
    expect(end.utterance.endedAt).toBe(200);
    expect(end.utterance.samples.length).toBe(12 * FRAME); // the faded frames are still in the audio
    expect(end.utterance.speechMs).toBe(240);
  });

  test('GIVEN weak speech that is not a fast fade (a soft consonant after a pause, a slow fade, or one that goes on past hangoverMs) THEN it counts as speech', () => {
    const push = (e: Endpointer, levels: Array<number | null>) =>
      levels.forEach((db, i) => e.push(new Int16Array(FRAME).fill(db === null ? 0 : 100), db !== null, i * 20, db ?? undefined));
    const loud = Array<number>(10).fill(-20);
    // After a pause: the release of a final "k".
    const k = new Endpointer({ silenceMs: 700 });
    push(k, [...loud, null, null, -42]);
    expect(k.silenceDeadline).toBe(13 * 20 + 700);
    // A slow fade (2 dB a frame).
    const slow = new Endpointer({ silenceMs: 700 });
    push(slow, [...loud, -44, -46, -48]);
    expect(slow.silenceDeadline).toBe(13 * 20 + 700);
    // A fast fade that is still going after hangoverMs (100 ms): from then on it is speech.
    const long = new Endpointer({ silenceMs: 700, hangoverMs: 100 });
    push(long, [...loud, -41, -44, -47, -50, -53, -56]);
    expect(long.silenceDeadline).toBe(16 * 20 + 700);
    // Without levels every speech frame is speech (no hangover taken out).
    const none = new Endpointer({ silenceMs: 700 });
    [...loud, 1, 1].forEach((_, i) => none.push(new Int16Array(FRAME).fill(100), true, i * 20));
    expect(none.silenceDeadline).toBe(12 * 20 + 700);
  });

  test('GIVEN invalid options THEN the constructor names the key', () => {
    expect(() => new Endpointer({ silenceMs: 0 })).toThrow(/endpointing.silenceMs/);
    expect(() => new Endpointer({ minSpeechMs: 5_000, maxUtteranceMs: 1_000 })).toThrow(/minSpeechMs/);
    expect(() => new Endpointer({ hangoverMs: -1 })).toThrow(/hangoverMs/);
  });
});
