import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';
import { traceIdOf } from '../trace.ts';

export type { Logger } from 'pino';

/**
 * Paths pino removes from every log line: auth headers, signatures, tokens and keys.
 * @see https://github.com/pinojs/pino/blob/main/docs/redaction.md
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-signature-ed25519"]',
  '*.token',
  '*.apiKey',
  '*.password',
  '*.secret',
  '*.accessToken',
  'token',
  'apiKey',
  'accessToken',
];

/** One JSON logger per process, bound to its role. */
export function createLogger(role: string, level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { role, pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A child logger for one message's journey: every line carries `trace_id` (and the span's traceparent). */
export function traceLogger(log: Logger, traceparent: string, bindings: Record<string, unknown> = {}): Logger {
  return log.child({ trace_id: traceIdOf(traceparent), traceparent, ...bindings });
}
