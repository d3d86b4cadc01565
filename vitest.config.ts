import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './tests/longest-first.ts';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores on CI: a few files at once keeps wall time down without starving the processes tests spawn.
    maxWorkers: 3,
    reporters: ['default'],
    sequence: { sequencer: LongestFirstSequencer },
  },
});
