/**
 * Splits text into chunks of at most `limit` characters (UTF-16 code units, which is how Discord, Slack
 * and X count), at the most natural boundary available: a paragraph, a line, a sentence, a word, and
 * only as a last resort mid-word. A fenced code block that has to be split is closed at the end of one
 * chunk and reopened (with its language) at the start of the next, so each chunk renders on its own.
 * Hand-written: the libraries for this are platform-specific (discord.js `splitMessage` was removed in v14).
 */
export function splitMessage(text: string, limit: number): string[] {
  if (limit < 16) throw new RangeError(`splitMessage limit must be at least 16 (got ${limit})`);
  const chunks: string[] = [];
  let rest = text.trim();
  let reopen = '';
  while (rest.length > 0) {
    rest = reopen + rest;
    if (rest.length <= limit) {
      chunks.push(rest);
      break;
    }
    let cut = bestCut(rest, limit);
    let chunk = rest.slice(0, cut).trimEnd();
    const fence = openFence(chunk);
    if (fence !== undefined) {
      // Leave room to close the fence in this chunk.
      const closing = '\n```';
      if (chunk.length + closing.length > limit) {
        cut = bestCut(rest, limit - closing.length);
        chunk = rest.slice(0, cut).trimEnd();
      }
      const stillOpen = openFence(chunk);
      if (stillOpen !== undefined) {
        chunks.push(chunk + closing);
        reopen = `\`\`\`${stillOpen}\n`;
      } else {
        chunks.push(chunk);
        reopen = '';
      }
    } else {
      chunks.push(chunk);
      reopen = '';
    }
    rest = rest.slice(cut).replace(/^\s*\n/, '').replace(/^[ \t]+/, '');
  }
  return chunks.filter((c) => c.trim().length > 0);
}

const BOUNDARIES: readonly RegExp[] = [/\n\s*\n/g, /\n/g, /[.!?…](?=\s)/g, /\s/g];

function bestCut(text: string, limit: number): number {
  const window = text.slice(0, limit + 1);
  const floor = Math.floor(limit * 0.5);
  for (const re of BOUNDARIES) {
    let best = -1;
    for (const m of window.matchAll(re)) {
      const end = re.source.startsWith('[') ? m.index + m[0].length : m.index;
      if (end <= limit && end >= floor) best = end;
    }
    if (best > 0) return best;
  }
  // No natural boundary in the back half: cut hard, but never between a surrogate pair.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

/** The language of a fence left open at the end of `chunk`, or undefined when all fences are closed. */
function openFence(chunk: string): string | undefined {
  let open: string | undefined;
  for (const m of chunk.matchAll(/^```([^\n`]*)$/gm)) open = open === undefined ? (m[1] ?? '').trim() : undefined;
  return open;
}
