// The durable cursor on real Redis: survives a new connection (a restart), only moves forward, atomically.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CursorStore } from '../../../mesh/index.ts';
import { REDIS_URL, dropPrefix, testPrefix } from '../../helpers/mesh-harness.ts';

const prefix = testPrefix();
let redis: Redis;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await redis.quit();
  await dropPrefix(prefix);
});

describe('CursorStore', () => {
  test('GIVEN no cursor THEN get is undefined; GIVEN advance THEN a new connection reads it back under the prefix', async () => {
    const store = new CursorStore(redis, prefix);
    expect(await store.get('x-mentions-1')).toBeUndefined();
    expect(await store.advance('x-mentions-1', '1500000000000000001')).toBe(true);
    const other = new Redis(REDIS_URL);
    try {
      expect(await new CursorStore(other, prefix).get('x-mentions-1')).toBe('1500000000000000001');
      expect(await other.get(`${prefix}:cursor:x-mentions-1`)).toBe('1500000000000000001');
    } finally {
      await other.quit();
    }
  });

  test('GIVEN a newer cursor THEN an older id (shorter, or same length and smaller) never overwrites it; equal is no move', async () => {
    const store = new CursorStore(redis, prefix);
    await store.advance('c', '1800000000000000005');
    expect(await store.advance('c', '999999999999999999')).toBe(false);
    expect(await store.advance('c', '1800000000000000004')).toBe(false);
    expect(await store.advance('c', '1800000000000000005')).toBe(false);
    expect(await store.get('c')).toBe('1800000000000000005');
    // Beyond 2^53: compared as decimal strings, not doubles.
    expect(await store.advance('c', '1800000000000000006')).toBe(true);
    expect(await store.advance('c', '18000000000000000060')).toBe(true);
    expect(await store.get('c')).toBe('18000000000000000060');
  });

  test('GIVEN "0" (initialised, nothing seen) THEN any id advances past it', async () => {
    const store = new CursorStore(redis, prefix);
    expect(await store.advance('z', '0')).toBe(true);
    expect(await store.get('z')).toBe('0');
    expect(await store.advance('z', '7')).toBe(true);
    expect(await store.advance('z', '0')).toBe(false);
  });

  test('GIVEN racing advances THEN the largest wins', async () => {
    const store = new CursorStore(redis, prefix);
    const ids = Array.from({ length: 50 }, (_, i) => String(1_700_000_000_000_000_000n + BigInt((i * 37) % 50)));
    await Promise.all(ids.map((id) => store.advance('race', id)));
    expect(await store.get('race')).toBe(String(1_700_000_000_000_000_049n));
  });

  test('GIVEN a value that is not a decimal id THEN advance throws and nothing is stored', async () => {
    const store = new CursorStore(redis, prefix);
    for (const bad of ['', '-1', '01', '12a', '1e5', ' 5']) await expect(store.advance('bad', bad)).rejects.toThrow(RangeError);
    expect(await store.get('bad')).toBeUndefined();
    expect(CursorStore.isValue('123')).toBe(true);
    expect(CursorStore.isValue('0123')).toBe(false);
  });
});
