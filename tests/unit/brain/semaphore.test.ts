import { describe, expect, test } from 'vitest';
import { Semaphore } from '../../../brain/llm/semaphore.ts';

describe('Semaphore', () => {
  test('GIVEN two slots THEN a third acquire waits until one is released, first come first served', async () => {
    const slots = new Semaphore(2);
    const a = await slots.acquire(undefined);
    await slots.acquire(undefined);
    const order: string[] = [];
    const c = slots.acquire(undefined).then((release) => (order.push('c'), release));
    const d = slots.acquire(undefined).then((release) => (order.push('d'), release));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    a();
    a(); // a second release of the same slot frees nothing more
    await c;
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(['c']);
    (await c)();
    await d;
    expect(order).toEqual(['c', 'd']);
  });

  test('GIVEN no free slot THEN tryAcquire returns nothing at once, and a slot once one is released', async () => {
    const slots = new Semaphore(1);
    const held = slots.tryAcquire();
    expect(held).toBeTypeOf('function');
    expect(slots.tryAcquire()).toBeUndefined();
    held!();
    const again = slots.tryAcquire();
    expect(again).toBeTypeOf('function');
    again!();
  });

  test('GIVEN a waiter for a slot THEN tryAcquire does not jump the line: the released slot goes to the waiter', async () => {
    const slots = new Semaphore(1);
    const held = slots.tryAcquire()!;
    const waiter = slots.acquire(undefined);
    held();
    expect(slots.tryAcquire()).toBeUndefined();
    (await waiter)();
    expect(slots.tryAcquire()).toBeTypeOf('function');
  });

  test('GIVEN a waiter whose signal aborts THEN it leaves the line with the reason', async () => {
    const slots = new Semaphore(1);
    slots.tryAcquire();
    const abort = new AbortController();
    const waiting = slots.acquire(abort.signal);
    abort.abort(new Error('turn timed out'));
    await expect(waiting).rejects.toThrow('turn timed out');
  });
});
