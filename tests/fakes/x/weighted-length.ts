// X's weighted length of a post (twitter-text v3 config): the fake's own reading of the rule, kept apart
// from the bot's so a mistake in one does not hide in both. Code points in the light ranges weigh 1, all
// others 2; an emoji sequence counts 2 as a whole; every http(s) URL counts 23.
const LIGHT: ReadonlyArray<readonly [number, number]> = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];
const URL = /https?:\/\/[^\s]+/g;

export function xWeightedLength(text: string): number {
  let weight = 0;
  const rest = text.normalize('NFC').replace(URL, () => {
    weight += 23;
    return '';
  });
  const seg = new Intl.Segmenter('en', { granularity: 'grapheme' });
  for (const { segment } of seg.segment(rest)) {
    if (/\p{Extended_Pictographic}/u.test(segment)) {
      weight += 2;
      continue;
    }
    for (const ch of segment) {
      const cp = ch.codePointAt(0)!;
      weight += LIGHT.some(([lo, hi]) => cp >= lo && cp <= hi) ? 1 : 2;
    }
  }
  return weight;
}
