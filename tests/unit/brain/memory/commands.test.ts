import { describe, expect, test } from 'vitest';
import { parseMemoryCommand } from '../../../../brain/memory/commands.ts';

describe('parseMemoryCommand', () => {
  test.each([
    ['what do you remember about me', { kind: 'list' }],
    ['Helix, what do you remember about me?', { kind: 'list' }],
    ['What do you know about me?', { kind: 'list' }],
    ['show me what you remember about me', { kind: 'list' }],
    ['forget that', { kind: 'forget-last' }],
    ['Please forget that.', { kind: 'forget-last' }],
    ['forget what I just said', { kind: 'forget-last' }],
    ['forget it!', { kind: 'forget-last' }],
    ['forget everything', { kind: 'forget-all' }],
    ['Forget everything about me.', { kind: 'forget-all' }],
    ['delete all my data', { kind: 'forget-all' }],
    ['can you forget everything you know about me', { kind: 'forget-all' }],
    ['forget my dog', { kind: 'forget-topic', topic: 'dog' }],
    ['forget about Lisbon', { kind: 'forget-topic', topic: 'lisbon' }],
    ['hey helix, forget what I told you about my new job', { kind: 'forget-topic', topic: 'new job' }],
    ['export my data', { kind: 'export' }],
    ['Export my memories please', { kind: 'export' }],
    ['download my data.', { kind: 'export' }],
  ])('GIVEN "%s" THEN it is %j', (text, expected) => {
    expect(parseMemoryCommand(text)).toEqual(expected);
  });

  test.each([
    ['I will never forget that day'],
    ['do you remember my dog?'],
    ['what do you remember about Paris'],
    ['forget'],
    ['my data is on the export server'],
    [''],
    ['tell me what you remember about the moon landing'],
    [`forget ${'x'.repeat(300)}`],
  ])('GIVEN "%s" THEN it is not a memory command', (text) => {
    expect(parseMemoryCommand(text)).toBeUndefined();
  });
});
