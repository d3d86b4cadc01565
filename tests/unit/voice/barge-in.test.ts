import { describe, expect, test } from 'vitest';
import { BargeIn } from '../../../voice/barge-in.ts';

/** Feeds a pattern of frames ('#' speech, '.' not) and returns the indices that said stop. */
function run(b: BargeIn, pattern: string): number[] {
  const stops: number[] = [];
  [...pattern].forEach((c, i) => {
    if (b.frame(c === '#') === 'stop') stops.push(i);
  });
  return stops;
}
const frames = (ms: number, c: '#' | '.') => c.repeat(ms / 20);

describe('BargeIn', () => {
  test.each([
    ['sustained speech over Helix stops it once the threshold is reached', frames(1_000, '#'), [19]],
    ['a backchannel "mm-hm" (240 ms) does not', frames(240, '#') + frames(1_000, '.'), []],
    ['two backchannels separated by a real pause do not add up', frames(300, '#') + frames(400, '.') + frames(300, '#'), []],
    ['speech with short gaps (between words) still counts', frames(200, '#') + frames(100, '.') + frames(200, '#') + frames(100, '.'), [24]],
    ['a click or noise blip of one frame, many times apart, never does', ('#' + frames(300, '.')).repeat(10), []],
  ])('GIVEN playing and %s', (_name, pattern, expected) => {
    const b = new BargeIn({ thresholdMs: 400, maxGapMs: 200 });
    b.setPlaying(true);
    expect(run(b, pattern)).toEqual(expected);
  });

  test('GIVEN Helix is not playing THEN speech never signals stop', () => {
    const b = new BargeIn({ thresholdMs: 400 });
    expect(run(b, frames(2_000, '#'))).toEqual([]);
  });

  test('GIVEN speech that began before playback THEN only speech during playback counts', () => {
    const b = new BargeIn({ thresholdMs: 400 });
    run(b, frames(380, '#'));
    b.setPlaying(true);
    expect(run(b, frames(100, '#'))).toEqual([]);
    expect(run(b, frames(300, '#'))).toEqual([14]);
  });

  test('GIVEN it fired THEN it stays quiet until playback restarts, then can fire again', () => {
    const b = new BargeIn({ thresholdMs: 300 });
    b.setPlaying(true);
    expect(run(b, frames(1_000, '#'))).toEqual([14]);
    b.setPlaying(false);
    b.setPlaying(true);
    expect(run(b, frames(300, '#'))).toEqual([14]);
  });

  test('GIVEN the threshold THEN the stop comes on the frame that reaches it (the caller then has the rest of 200 ms to stop)', () => {
    for (const thresholdMs of [300, 400, 500]) {
      const b = new BargeIn({ thresholdMs });
      b.setPlaying(true);
      expect(run(b, frames(1_000, '#'))).toEqual([thresholdMs / 20 - 1]);
    }
  });

  test('GIVEN a bad threshold THEN the constructor names the key', () => {
    expect(() => new BargeIn({ thresholdMs: 0 })).toThrow(/bargeIn.thresholdMs/);
  });
});
