// Splits a reply into sentences while it streams in, so text-to-speech can start on the first
// sentence long before the model finishes the answer. Pure: text in, sentences out.

/** Words ending in "." that do not end a sentence. */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'etc', 'e.g', 'i.e', 'a.m', 'p.m', 'no', 'approx', 'inc', 'ltd', 'co', 'fig', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec']);

/** Options of {@link SentenceSplitter}. */
export interface SentenceSplitterOptions {
  /** A sentence longer than this is cut at a comma, semicolon or space, so speech is never held back long. @defaultValue `250` */
  maxChars: number;
}

/** Incremental sentence splitter. */
export class SentenceSplitter {
  readonly #maxChars: number;
  #buf = '';

  constructor(options: Partial<SentenceSplitterOptions> = {}) {
    this.#maxChars = options.maxChars ?? 250;
  }

  /** Adds streamed text; returns the sentences it completed. */
  push(delta: string): string[] {
    this.#buf += delta;
    const out: string[] = [];
    for (;;) {
      const cut = this.#boundary();
      if (cut < 0) break;
      this.#take(cut, out);
    }
    while (this.#buf.length > this.#maxChars) {
      const window = this.#buf.slice(0, this.#maxChars);
      const at = Math.max(window.lastIndexOf(', '), window.lastIndexOf('; '), window.lastIndexOf(': '));
      const cut = at > this.#maxChars / 3 ? at + 1 : window.lastIndexOf(' ') > 0 ? window.lastIndexOf(' ') : this.#maxChars;
      this.#take(cut, out);
    }
    return out;
  }

  /** The text is complete: returns what is left. */
  flush(): string[] {
    const out: string[] = [];
    this.#take(this.#buf.length, out);
    return out;
  }

  #take(cut: number, out: string[]): void {
    const sentence = speakable(this.#buf.slice(0, cut));
    this.#buf = this.#buf.slice(cut).replace(/^\s+/, '');
    if (/[\p{L}\p{N}]/u.test(sentence)) out.push(sentence);
  }

  /** Index just past the first sentence end that is followed by whitespace (so "3.5" and an unfinished "Dr." wait). */
  #boundary(): number {
    const re = /([.!?…]+)["'”’)\]]*(\s+)|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)/g;
    for (let m = re.exec(this.#buf); m; m = re.exec(this.#buf)) {
      if (m[1] === '.') {
        const before = this.#buf.slice(0, m.index);
        const word = (/([\p{L}.]+)$/u.exec(before)?.[1] ?? '').toLowerCase();
        if (ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word)) continue; // "Dr. Who", "J. R. R. Tolkien"
      }
      return m.index + m[0].length;
    }
    return -1;
  }
}

/** Strips what should not be read aloud: Markdown marks, code fences, link targets. */
export function speakable(text: string): string {
  return text
    .replace(/```[\s\S]*?(```|$)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/https?:\/\/\S+/g, 'a link')
    .replace(/^\s*(#{1,6}|[-*•]|\d+[.)])\s+/gm, '')
    .replace(/[*_`~>#|]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
