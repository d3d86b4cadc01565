import { splitMessage } from '../../mesh/index.ts';
import { THREAD_MAX_POSTS, TWEET_MAX_WEIGHT, URL_WEIGHT } from './limits.ts';

// twitter-text v3 ranges that weigh 1 (Latin, Cyrillic, Greek, general punctuation...); every other code point weighs 2.
const LIGHT: ReadonlyArray<readonly [number, number]> = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];
const HTTP_URL = /\bhttps?:\/\/[^\s<>"]+/giu;
const BARE_DOMAIN = /(?<![\w@.\/-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}(?:\/[^\s<>"]*)?(?![\w-])/giu;

function codePointWeight(cp: number): number {
  for (const [lo, hi] of LIGHT) if (cp >= lo && cp <= hi) return 1;
  return 2;
}

function plainWeight(text: string): number {
  let w = 0;
  for (const ch of text) w += codePointWeight(ch.codePointAt(0)!);
  return w;
}

/**
 * A text's length as X counts it for a post: NFC-normalized; code points in twitter-text's light ranges
 * weigh 1, everything else (CJK, emoji) 2; an `http(s)://` URL weighs {@link URL_WEIGHT} whatever its
 * length. Errs long, never short: each code point of an emoji sequence weighs 2 (X counts the whole
 * sequence as 2), and a bare domain (`example.com`) weighs at least 23, in case X links it.
 * @see https://docs.x.com/resources/fundamentals/counting-characters
 */
export function weightedLength(text: string): number {
  let w = 0;
  let placeholders = 0;
  const withoutUrls = text.normalize('NFC').replace(HTTP_URL, () => {
    w += URL_WEIGHT;
    placeholders++;
    return ' ';
  });
  const rest = withoutUrls.replace(BARE_DOMAIN, (m) => {
    w += Math.max(URL_WEIGHT, plainWeight(m));
    return '';
  });
  return w + plainWeight(rest) - placeholders;
}

/** Whether a text fits one post. */
export function fitsOnePost(text: string): boolean {
  return weightedLength(text) <= TWEET_MAX_WEIGHT;
}

/**
 * An answer as the posts of a thread: one post when it fits, else chunks split at natural boundaries
 * (paragraph, line, sentence, word), each ending ` (i/n)` and weighing at most {@link TWEET_MAX_WEIGHT}.
 * At most `maxPosts`; the last one of a longer answer is cut and ends with `…`.
 */
export function splitThread(text: string, maxPosts = THREAD_MAX_POSTS): string[] {
  const t = text.trim();
  if (!t) return [];
  if (fitsOnePost(t)) return [t];
  let limit = TWEET_MAX_WEIGHT - 8;
  for (;;) {
    const all = splitMessage(t, limit);
    const chunks = all.slice(0, maxPosts);
    if (all.length > maxPosts) chunks[chunks.length - 1] = `${chunks.at(-1)!.replace(/[\s.…]+$/u, '')}…`;
    const suffix = (i: number) => ` (${i + 1}/${chunks.length})`;
    const heaviest = Math.max(...chunks.map((c, i) => weightedLength(c + suffix(i))));
    if (heaviest <= TWEET_MAX_WEIGHT || limit <= 16) return chunks.map((c, i) => fitTo(c, suffix(i)));
    limit = Math.max(16, Math.min(limit - 1, Math.floor((limit * TWEET_MAX_WEIGHT) / heaviest) - 1));
  }
}

/** `chunk + suffix`, dropping code points from the end of `chunk` until it fits one post. */
function fitTo(chunk: string, suffix: string): string {
  let c = chunk;
  while (c.length > 0 && weightedLength(c + suffix) > TWEET_MAX_WEIGHT) c = [...c].slice(0, -1).join('').trimEnd();
  return c + suffix;
}
