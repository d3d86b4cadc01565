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

  test('GIVEN invalid options THEN the constructor names the key', () => {
    expect(() => new Endpointer({ silenceMs: 0 })).toThrow(/endpointing.silenceMs/);
    expect(() => new Endpointer({ minSpeechMs: 5_000, maxUtteranceMs: 1_000 })).toThrow(/minSpeechMs/);
  });
});
