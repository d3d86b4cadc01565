// Local text-to-speech with espeak-ng (`espeak-ng --stdout`: a WAV, 22050 Hz mono). Robotic but
// instant and offline: the default, so voice works with nothing else installed.
import { spawn } from 'node:child_process';
import { HelixError } from '../../mesh/index.ts';
import { decodeWav, type Pcm } from '../audio/pcm.ts';
import type { TtsEngine } from './engine.ts';

/** Options of {@link EspeakTts}. */
export interface EspeakOptions {
  /** espeak-ng voice (`espeak-ng --voices`). @defaultValue `en-us` */
  voice: string;
  /** Words per minute. @defaultValue `175` */
  wordsPerMinute: number;
  /** @defaultValue `espeak-ng` */
  binary: string;
}

export const DefaultEspeakOptions = { voice: 'en-us', wordsPerMinute: 175, binary: 'espeak-ng' } as const satisfies EspeakOptions;

/** The local default text-to-speech engine. */
export class EspeakTts implements TtsEngine {
  readonly name = 'local';
  readonly options: EspeakOptions;

  constructor(options: Partial<EspeakOptions> = {}) {
    this.options = { ...DefaultEspeakOptions, ...options };
  }

  synthesize(text: string, { signal }: { signal: AbortSignal }): Promise<Pcm> {
    const { binary, voice, wordsPerMinute } = this.options;
    return new Promise((resolve, reject) => {
      signal.throwIfAborted();
      // Text goes in on stdin, so a sentence starting with "-" is never read as an option.
      const child = spawn(binary, ['--stdout', '-v', voice, '-s', String(wordsPerMinute)], { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-300)));
      const onAbort = () => child.kill('SIGKILL');
      signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (cause) => {
        signal.removeEventListener('abort', onAbort);
        reject(new HelixError('voice_engine_unavailable', `${binary} could not start (${cause.message}): sudo apt-get install -y espeak-ng.`, { cause }));
      });
      child.on('close', (code) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return reject(signal.reason as Error);
        if (code !== 0) return reject(new HelixError('voice_engine_unavailable', `${binary} exited with ${code}: ${err.trim()}`));
        try {
          resolve(decodeWav(Buffer.concat(out)));
        } catch (e) {
          reject(e as Error);
        }
      });
      child.stdin.on('error', () => {}); // a child that died early; 'close' reports it
      child.stdin.end(`${text}\n`);
    });
  }
}
