import { describe, expect, test } from 'vitest';
import { fitsOnePost, splitThread, weightedLength } from '../../../../bots/x/tweet-length.ts';
import { xWeightedLength } from '../../../fakes/x/index.ts';

describe('weightedLength', () => {
  test.each([
    ['plain ASCII counts 1 per character', 'hello world', 11],
    ['CJK counts 2', '日本語', 6],
    ['an http URL counts 23 whatever its length', `see https://example.com/${'a'.repeat(80)}`, 4 + 23],
    ['a short URL still counts 23', 'http://a.co', 23],
    ['a bare domain counts at least 23', 'example.com', 23],
    ['accents in the Latin range count 1 (NFC)', 'cafe\u0301', 4],
    ['general punctuation (en dash, curly quotes) counts 1', '–“”', 3],
  ])('GIVEN %s THEN %i', (_, text, expected) => {
    expect(weightedLength(text)).toBe(expected);
  });

  test('GIVEN an emoji THEN never less than X counts (2)', () => {
    expect(weightedLength('👍')).toBeGreaterThanOrEqual(2);
    expect(weightedLength('👩‍💻')).toBeGreaterThanOrEqual(xWeightedLength('👩‍💻'));
  });
});

describe('splitThread', () => {
  test('GIVEN text that fits THEN one post, unnumbered', () => {
    expect(splitThread('  short answer  ')).toEqual(['short answer']);
    expect(splitThread('a'.repeat(280))).toEqual(['a'.repeat(280)]);
    expect(splitThread('   ')).toEqual([]);
  });

  test('GIVEN 281 characters THEN two numbered posts within 280 that keep every word', () => {
    const text = `${'word '.repeat(56).trim()} end`;
    expect(text.length).toBeGreaterThan(280);
    const posts = splitThread(text);
    expect(posts).toHaveLength(2);
    expect(posts[0]).toMatch(/ \(1\/2\)$/);
    expect(posts[1]).toMatch(/ \(2\/2\)$/);
    for (const p of posts) expect(fitsOnePost(p)).toBe(true);
    expect(posts.map((p) => p.replace(/ \(\d\/\d\)$/, '')).join(' ')).toBe(text);
  });

  test('GIVEN wide text (CJK, URLs) THEN every post fits by X weights, checked by the fake\'s independent counter', () => {
    const text = Array.from({ length: 30 }, (_, i) => `第${i}章のテキストです。 https://example.com/${i}/${'p'.repeat(40)}`).join(' ');
    const posts = splitThread(text, 50);
    expect(posts.length).toBeGreaterThan(3);
    for (const p of posts) expect(xWeightedLength(p)).toBeLessThanOrEqual(280);
  });

  test('GIVEN an answer longer than maxPosts THEN maxPosts posts, the last cut with an ellipsis', () => {
    const text = Array.from({ length: 40 }, (_, i) => `Sentence ${i} goes on for a while so that it takes room.`).join(' ');
    const posts = splitThread(text, 3);
    expect(posts).toHaveLength(3);
    expect(posts[2]).toMatch(/… \(3\/3\)$/);
    for (const p of posts) expect(xWeightedLength(p)).toBeLessThanOrEqual(280);
  });

  test('GIVEN one unbroken 600-character token THEN it is cut hard, every piece within 280', () => {
    const posts = splitThread('x'.repeat(600));
    expect(posts.length).toBe(3);
    for (const p of posts) expect(weightedLength(p)).toBeLessThanOrEqual(280);
  });
});
