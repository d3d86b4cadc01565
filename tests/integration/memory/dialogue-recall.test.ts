import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MemoryStore } from '../../../brain/memory/index.ts';
import type { Store } from '../../../store/index.ts';
import { recallAtK, loadDialogues } from '../../fixtures/dialogues/evaluate.ts';
import { generateDialogues } from '../../fixtures/dialogues/generate.ts';
import { backends, openTestStore } from './memory-harness.ts';

const dialogues = generateDialogues();

test('GIVEN the seed THEN the committed dialogue fixture is exactly what the generator makes', () => {
  const file = JSON.parse(readFileSync(new URL('../../fixtures/dialogues/dialogues.json', import.meta.url), 'utf8')) as unknown;
  expect(file).toEqual(JSON.parse(JSON.stringify(dialogues)));
  expect(dialogues.reduce((n, d) => n + d.messages.length, 0)).toBeGreaterThan(2_000);
});

describe.each(backends)('months-long dialogues on %s (offline embedder)', (_name, make) => {
  let store: Store;
  let close: () => Promise<void>;
  let memory: MemoryStore;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(make));
    memory = await MemoryStore.open({ store });
    await loadDialogues(memory, dialogues);
  }, 600_000);
  afterAll(async () => close?.());

  test('GIVEN every person\'s current facts THEN recall@5 finds at least 90% of them, and no superseded value', async () => {
    const r = await recallAtK(memory, dialogues, 5);
    console.log(`recall@5 ${memory.vectors ? 'hybrid' : 'full-text only'}: ${r.hits}/${r.questions} = ${r.recall.toFixed(3)}`, r.misses.slice(0, 5));
    expect(r.recall).toBeGreaterThanOrEqual(0.9);
  }, 120_000);
});
