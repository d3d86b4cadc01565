// Offline speech-to-text with Debian's CMU PocketSphinx 0.8 (`pocketsphinx_continuous`, en-us model).
//
// Quality, honestly: with a phrase list (`voice.stt.phrases`) Helix builds a JSGF grammar of exactly
// those phrases; pocketsphinx then answers one of them or nothing, and it recognizes espeak-ng speech of
// the listed phrases exactly (tests/integration/voice). Without a list it decodes against the general
// en-us trigram model, which is rough on anything but careful read speech ("the quick brown fox jumps"
// comes out as "the quick brown fox da best"). It is a fallback that works with no server; for real
// conversations use a Whisper server (Wyoming or OpenAI-compatible).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelixError, type Logger } from '../../mesh/index.ts';
import { encodeWav } from '../audio/pcm.ts';
import { STT_RATE, type SttEngine, type SttResult } from './engine.ts';

/** Options of {@link PocketSphinxStt}. */
export interface PocketSphinxOptions {
  /** Phrases to recognize (a JSGF grammar); empty decodes with the general language model. @defaultValue `[]` */
  phrases: readonly string[];
  /** Directory with `en-us/` (acoustic model), `en-us.lm.bin` and `cmudict-en-us.dict`. @defaultValue `/usr/share/pocketsphinx/model/en-us` */
  modelDir: string;
  /** @defaultValue `pocketsphinx_continuous` */
  binary: string;
  logger?: Logger;
}

export const DefaultPocketSphinxOptions = {
  phrases: [],
  modelDir: '/usr/share/pocketsphinx/model/en-us',
  binary: 'pocketsphinx_continuous',
} as const satisfies Omit<PocketSphinxOptions, 'logger'>;

/** Words of a phrase as the dictionary spells them: lower case, letters, digits and apostrophes. */
export function phraseWords(phrase: string): string[] {
  return phrase
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter((w) => w && w !== "'");
}

/** A JSGF grammar whose only sentences are the given phrases (phrases with unknown words are left out). */
export function buildJsgf(phrases: readonly string[], known: (word: string) => boolean): { grammar: string; used: string[][]; skipped: string[] } {
  const used: string[][] = [];
  const skipped: string[] = [];
  for (const p of phrases) {
    const words = phraseWords(p);
    if (words.length === 0) continue;
    if (words.every(known)) used.push(words);
    else skipped.push(p);
  }
  const alternatives = used.map((w) => w.join(' ')).join(' | ');
  return { grammar: `#JSGF V1.0;\ngrammar helix;\npublic <phrase> = ${alternatives};\n`, used, skipped };
}

/** The local default speech-to-text engine. */
export class PocketSphinxStt implements SttEngine {
  readonly name = 'local';
  readonly options: Omit<PocketSphinxOptions, 'logger'>;
  readonly #logger: Logger | undefined;
  #dir: string | undefined;
  #grammarPath: string | null | undefined; // undefined: not built yet; null: no phrases
  #seq = 0;

  constructor(options: Partial<PocketSphinxOptions> = {}) {
    const { logger, ...rest } = options;
    this.options = { ...DefaultPocketSphinxOptions, ...rest };
    this.#logger = logger;
  }

  async transcribe(samples: Int16Array, { signal }: { signal: AbortSignal }): Promise<SttResult> {
    signal.throwIfAborted();
    const dir = (this.#dir ??= mkdtempSync(join(tmpdir(), 'helix-sphinx-')));
    const grammar = this.#grammar(dir);
    const wav = join(dir, `u${++this.#seq}.wav`);
    writeFileSync(wav, encodeWav({ sampleRate: STT_RATE, channels: 1, samples }));
    const m = this.options.modelDir;
    const args = ['-infile', wav, '-hmm', join(m, 'en-us'), '-dict', join(m, 'cmudict-en-us.dict'), '-samprate', String(STT_RATE), '-logfn', '/dev/null'];
    if (grammar) args.push('-jsgf', grammar);
    else args.push('-lm', join(m, 'en-us.lm.bin'));
    try {
      const out = await run(this.options.binary, args, signal);
      return { text: out.split('\n').map((l) => l.trim()).filter(Boolean).join(' ') };
    } finally {
      rmSync(wav, { force: true });
    }
  }

  #grammar(dir: string): string | null {
    if (this.#grammarPath !== undefined) return this.#grammarPath;
    if (this.options.phrases.length === 0) return (this.#grammarPath = null);
    const dict = loadDictionary(join(this.options.modelDir, 'cmudict-en-us.dict'));
    const { grammar, used, skipped } = buildJsgf(this.options.phrases, (w) => dict.has(w));
    if (skipped.length) this.#logger?.warn({ skipped }, 'voice: pocketsphinx phrases with words missing from its dictionary were left out');
    if (used.length === 0) {
      this.#logger?.warn('voice: no usable pocketsphinx phrase; decoding with the general language model');
      return (this.#grammarPath = null);
    }
    const path = join(dir, 'phrases.gram');
    writeFileSync(path, grammar);
    return (this.#grammarPath = path);
  }

  close(): void {
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
    this.#grammarPath = undefined;
  }
}

const dictionaries = new Map<string, Set<string>>();
/** Headwords of a CMU dictionary (alternates such as `read(2)` folded in). */
function loadDictionary(path: string): Set<string> {
  let words = dictionaries.get(path);
  if (!words) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new HelixError('voice_engine_unavailable', `PocketSphinx dictionary ${path} is missing: sudo apt-get install -y pocketsphinx-en-us (or set its model directory).`, { cause });
    }
    words = new Set(text.split('\n').map((l) => l.slice(0, l.indexOf(' ')).replace(/\(\d+\)$/, '')));
    dictionaries.set(path, words);
  }
  return words;
}

function run(binary: string, args: string[], signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-500)));
    const onAbort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (cause) => {
      signal.removeEventListener('abort', onAbort);
      reject(new HelixError('voice_engine_unavailable', `${binary} could not start (${cause.message}): sudo apt-get install -y pocketsphinx pocketsphinx-en-us.`, { cause }));
    });
    child.on('close', (code) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return reject(signal.reason as Error);
      if (code !== 0) return reject(new HelixError('voice_engine_unavailable', `${binary} exited with ${code}: ${err.trim()}`));
      resolve(out);
    });
  });
}
