import { describe, expect, test } from 'vitest';
import { autoCacheMB, pgliteSettings } from '../../../store/pglite-settings.ts';

const MB = 1024 * 1024;
const GB = 1024 * MB;

describe('PGlite page cache sizing', () => {
  test('GIVEN a new or small database THEN the cache stays at its 16 MB floor', () => {
    expect(autoCacheMB(0, 24 * GB)).toBe(16);
    expect(autoCacheMB(9 * MB, 24 * GB)).toBe(16);
    expect(autoCacheMB(32 * MB, 24 * GB)).toBe(16);
  });

  test('GIVEN a large database THEN the cache is half its data, rounded up to 16 MB', () => {
    // 100k memories of one person: 477 MB of tables and indexes.
    expect(autoCacheMB(477 * MB, 24 * GB)).toBe(240);
    expect(autoCacheMB(33 * MB, 24 * GB)).toBe(32);
  });

  test('GIVEN a huge database or a small machine THEN the cache stops at 1 GB or a quarter of the memory', () => {
    expect(autoCacheMB(10 * GB, 24 * GB)).toBe(1_024);
    expect(autoCacheMB(10 * GB, 2 * GB)).toBe(512);
    expect(autoCacheMB(10 * GB, 32 * MB)).toBe(16);
  });

  test('GIVEN store.cacheMb THEN it is used as is', () => {
    expect(pgliteSettings(477 * MB, 64, 24 * GB)).toEqual(['shared_buffers=64MB']);
    expect(pgliteSettings(477 * MB, undefined, 24 * GB)).toEqual(['shared_buffers=240MB']);
  });
});
