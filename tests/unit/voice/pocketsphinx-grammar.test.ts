import { describe, expect, test } from 'vitest';
import { buildJsgf, phraseWords } from '../../../voice/stt/pocketsphinx.ts';

describe('pocketsphinx phrase grammar', () => {
  test('GIVEN phrases with punctuation and case THEN they become dictionary words', () => {
    expect(phraseWords("Helix, what's the time?")).toEqual(['helix', "what's", 'the', 'time']);
  });

  test('GIVEN phrases THEN the JSGF grammar has exactly those alternatives, leaving out phrases with unknown words', () => {
    const known = new Set(['helix', 'stop', 'tell', 'me', 'a', 'joke']);
    const { grammar, used, skipped } = buildJsgf(['Helix, stop!', 'Tell me a joke', 'Frobnicate the zorgs', '  '], (w) => known.has(w));
    expect(grammar).toBe('#JSGF V1.0;\ngrammar helix;\npublic <phrase> = helix stop | tell me a joke;\n');
    expect(used).toEqual([['helix', 'stop'], ['tell', 'me', 'a', 'joke']]);
    expect(skipped).toEqual(['Frobnicate the zorgs']);
  });
});
