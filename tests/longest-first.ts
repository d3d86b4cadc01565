// Vitest's default order (longest first by cached duration, else largest file first) has no durations on a
// fresh CI clone, so the few files that take minutes could start last and stretch the run. These go first.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files measured as the longest (seconds on a loaded 2-core run), longest first. */
const LONGEST = [
  'tests/e2e/npm-start-fresh-clone.test.ts', // ~150-250: npm install of a fresh clone
  'tests/e2e/discord-voice-brain.test.ts', // ~40-90
  'tests/integration/store/store.test.ts', // ~70
  'tests/integration/memory/dialogue-recall.test.ts', // ~65
  'tests/integration/brain/durability.test.ts', // ~45
  'tests/e2e/npm-start.test.ts', // ~35
  'tests/integration/brain/queue-discipline.test.ts', // ~38
  'tests/integration/ops-slo/burn-rate-e2e.test.ts', // ~30
  'tests/integration/identity/identity-store.test.ts', // ~30
  'tests/integration/llm/local-gguf.test.ts', // ~29
];

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = LONGEST.findIndex((f) => spec.moduleId.endsWith(f));
      return i === -1 ? LONGEST.length : i;
    };
    return sorted.map((spec, at) => ({ spec, at })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.at - b.at).map(({ spec }) => spec);
  }
}
