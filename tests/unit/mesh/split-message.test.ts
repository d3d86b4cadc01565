import { describe, expect, test } from 'vitest';
import { splitMessage } from '../../../mesh/index.ts';

describe('splitMessage', () => {
  test('GIVEN text under the limit THEN it is one chunk', () => {
    expect(splitMessage('hello there', 2_000)).toEqual(['hello there']);
  });

  test('GIVEN 3,500 characters of paragraphs THEN two chunks, each within 2,000, split at a paragraph, nothing lost', () => {
    const para = (n: number) => `${'word '.repeat(n).trim()}.`;
    const text = [para(150), para(150), para(100)].join('\n\n');
    const chunks = splitMessage(text, 2_000);
    expect(chunks).toHaveLength(2);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(2_000);
    expect(chunks.join('\n\n')).toBe(text);
  });

  test('GIVEN a code block that straddles the limit THEN each chunk has balanced fences and the language is reopened', () => {
    const code = Array.from({ length: 80 }, (_, i) => `const line${i} = ${i};`).join('\n');
    const text = `Here is the code:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nDone.`;
    const chunks = splitMessage(text, 600);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(600);
      expect((c.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    expect(chunks[1]).toMatch(/^```ts\n/);
    const lines = chunks.join('\n').split('\n').filter((l) => l.startsWith('const line'));
    expect(lines).toHaveLength(80);
  });

  test('GIVEN one long word THEN it is cut hard at the limit without splitting a surrogate pair', () => {
    const text = '😀'.repeat(30);
    const chunks = splitMessage(text, 21);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(21);
      expect(c).not.toMatch(/[\ud800-\udbff]$/);
    }
    expect(chunks.join('')).toBe(text);
  });

  test('GIVEN sentences without newlines THEN the cut falls after a sentence end', () => {
    const text = `${'A short sentence here. '.repeat(10)}`.trim();
    const chunks = splitMessage(text, 100);
    for (const c of chunks.slice(0, -1)) expect(c).toMatch(/\.$/);
  });
});
