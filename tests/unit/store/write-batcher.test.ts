import { describe, expect, test } from 'vitest';
import { WriteBatcher } from '../../../store/write-batcher.ts';

/** A writeMany that records its calls and finishes each when the test says so. */
function gatedWriter(fails: (item: string) => boolean = () => false) {
  const calls: string[][] = [];
  const gates: Array<() => void> = [];
  const writeMany = async (items: readonly string[]) => {
    calls.push([...items]);
    await new Promise<void>((resolve) => gates.push(resolve));
    const bad = items.find(fails);
    if (bad) throw Object.assign(new Error(`cannot write ${bad}`), { code: '23503' });
  };
  const openNext = async () => {
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    gates.shift()!();
  };
  return { calls, writeMany, openNext };
}

describe('write batcher', () => {
  test('GIVEN an idle store THEN a write goes at once, alone; writes made meanwhile go together next, in order', async () => {
    const w = gatedWriter();
    const batcher = new WriteBatcher(w.writeMany);
    const first = batcher.write('a');
    expect(w.calls).toEqual([['a']]);
    const rest = ['b', 'c', 'd'].map((x) => batcher.write(x));
    expect(w.calls).toHaveLength(1);
    await w.openNext();
    await first;
    await w.openNext();
    await Promise.all(rest);
    expect(w.calls).toEqual([['a'], ['b', 'c', 'd']]);
  });

  test('GIVEN a backlog longer than a batch THEN it goes in several batches of at most max', async () => {
    const w = gatedWriter();
    const batcher = new WriteBatcher(w.writeMany, 2);
    const all = ['a', 'b', 'c', 'd', 'e'].map((x) => batcher.write(x));
    for (let i = 0; i < 3; i++) await w.openNext();
    await Promise.all(all);
    expect(w.calls).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  test('GIVEN one bad write in a batch THEN it alone rejects with its own error and the others are written', async () => {
    const w = gatedWriter((item) => item === 'bad');
    const batcher = new WriteBatcher(w.writeMany);
    const first = batcher.write('a');
    const outcomes = Promise.allSettled(['b', 'bad', 'c'].map((x) => batcher.write(x)));
    // a alone, then the failing batch, then each of its three alone.
    for (let i = 0; i < 5; i++) await w.openNext();
    await first;
    const [b, bad, c] = await outcomes;
    expect(b?.status).toBe('fulfilled');
    expect(c?.status).toBe('fulfilled');
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'cannot write bad', code: '23503' } });
    expect(w.calls).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
    // The batcher keeps serving.
    const later = batcher.write('d');
    await w.openNext();
    await later;
    expect(w.calls.at(-1)).toEqual(['d']);
  });
});
