import { describe, expect, test } from 'vitest';
import { errnoCode, retryAfterMs } from '../../../mesh/index.ts';

describe('retryAfterMs', () => {
  const now = Date.UTC(2026, 10, 30, 12, 0, 0);

  test('GIVEN delta-seconds THEN that many milliseconds', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs(2, now)).toBe(2_000);
  });

  test('GIVEN an HTTP date THEN the time until it, never negative', () => {
    expect(retryAfterMs(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(retryAfterMs(new Date(now - 30_000).toUTCString(), now)).toBe(0);
  });

  test('GIVEN no header, an empty one, a negative number or nonsense THEN undefined (the caller picks its default)', () => {
    for (const v of [null, undefined, '', '-5', 'soon']) expect(retryAfterMs(v, now)).toBeUndefined();
  });
});

describe('errnoCode', () => {
  test('GIVEN a socket error wrapped in causes THEN its code; GIVEN none THEN undefined', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(errnoCode(new Error('fetch failed', { cause: new TypeError('fetch failed', { cause: socket }) }))).toBe('ECONNREFUSED');
    expect(errnoCode(new Error('plain'))).toBeUndefined();
    expect(errnoCode('not an error')).toBeUndefined();
  });
});
