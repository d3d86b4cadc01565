import { describe, expect, test } from 'vitest';
import { failureDelay, nextPollDelay } from '../../../../bots/x/poll-schedule.ts';

const bounds = { minMs: 1_000, maxMs: 60_000 };
const now = 1_000_000_000_000;
const resetIn = (sec: number) => now / 1000 + sec;

describe('nextPollDelay', () => {
  test.each([
    ['no rate-limit headers', undefined, 1_000],
    ['plenty left: the minimum', { limit: 450, remaining: 449, reset: resetIn(900) }, 2_005],
    ['many left, early in the window: never below the minimum', { limit: 10_000, remaining: 9_999, reset: resetIn(900) }, 1_000],
    ['few left: spread evenly until the reset', { limit: 75, remaining: 5, reset: resetIn(100) }, 20_000],
    ['spreading would exceed the maximum: the maximum', { limit: 75, remaining: 2, reset: resetIn(600) }, 60_000],
    ['none left: wait for the reset (past the maximum) plus a second', { limit: 75, remaining: 0, reset: resetIn(300) }, 301_000],
    ['none left and the reset already passed: the minimum', { limit: 75, remaining: 0, reset: resetIn(-5) }, 1_000],
  ])('GIVEN %s THEN %i ms', (_, rate, expected) => {
    expect(nextPollDelay(rate, now, bounds)).toBe(expected);
  });

  test('GIVEN maxMs below minMs THEN minMs wins', () => {
    expect(nextPollDelay({ limit: 1, remaining: 1, reset: resetIn(900) }, now, { minMs: 5_000, maxMs: 10 })).toBe(5_000);
  });
});

describe('failureDelay', () => {
  test('GIVEN consecutive failures THEN the wait doubles from the minimum up to the maximum', () => {
    expect([1, 2, 3, 4, 10, 100].map((n) => failureDelay(n, bounds))).toEqual([1_000, 2_000, 4_000, 8_000, 60_000, 60_000]);
  });
});
