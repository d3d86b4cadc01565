import { describe, expect, test } from 'vitest';
import { SentenceSplitter, speakable } from '../../../voice/tts/sentences.ts';

function split(deltas: string[]): string[][] {
  const s = new SentenceSplitter();
  return [...deltas.map((d) => s.push(d)), s.flush()];
}

describe('SentenceSplitter', () => {
  test('GIVEN text streaming in pieces THEN each sentence comes out as soon as the space after it arrives', () => {
    expect(split(['Hello there', '! How', ' are you?', ' I am', ' fine.'])).toEqual([[], ['Hello there!'], [], ['How are you?'], [], ['I am fine.']]);
  });

  test.each([
    ['decimals', 'It costs 3.50 dollars. Cheap.', ['It costs 3.50 dollars.', 'Cheap.']],
    ['abbreviations', 'Dr. Smith met Mr. Jones at 5 p.m. today. Then left.', ['Dr. Smith met Mr. Jones at 5 p.m. today.', 'Then left.']],
    ['initials', 'J. R. R. Tolkien wrote it. Yes.', ['J. R. R. Tolkien wrote it.', 'Yes.']],
    ['ellipses and quotes', 'Well… "Really?" she asked. Sure!', ['Well…', '"Really?"', 'she asked.', 'Sure!']],
    ['paragraphs and lists', 'Options:\n\n- first one\n- second one\nend', ['Options:', 'first one', 'second one end']],
  ])('GIVEN %s THEN they split where a person would pause', (_n, text, expected) => {
    expect(split([text]).flat()).toEqual(expected);
  });

  test('GIVEN a very long sentence THEN it is cut at a comma before maxChars', () => {
    const s = new SentenceSplitter({ maxChars: 60 });
    const out = s.push('This sentence goes on and on, with clauses, and more clauses, and even more clauses without end');
    expect(out.length).toBeGreaterThan(0);
    for (const part of out) expect(part.length).toBeLessThanOrEqual(60);
  });

  test('GIVEN Markdown and links THEN only what can be read aloud remains', () => {
    expect(speakable('**Bold** and `code` see [the docs](https://x.y/z) or https://a.b/c\n```js\nx()\n```')).toBe('Bold and code see the docs or a link');
  });

  test('GIVEN punctuation only THEN no empty sentence is spoken', () => {
    expect(split(['... !!! ', '```x```']).flat()).toEqual([]);
  });
});
