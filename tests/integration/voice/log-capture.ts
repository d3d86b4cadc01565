// A real pino logger whose lines the test can read (to check that failures are logged).
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../mesh/index.ts';

export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('voice-test', 'debug', sink), lines };
}
