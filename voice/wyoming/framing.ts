// Wyoming protocol framing (rhasspy/wyoming 1.7, wyoming/event.py): one UTF-8 JSON header line
// `{"type", "version", "data_length"?, "payload_length"?}\n`, then `data_length` bytes of JSON data
// (merged into the header's `data`), then `payload_length` raw bytes. Writers split data out; readers
// also accept `data` inline in the header.
import type { Socket } from 'node:net';
import { HelixError } from '../../mesh/index.ts';

/** The protocol version we write. */
export const WYOMING_VERSION = '1.7.0';
/** Longest header line we accept before calling the peer broken. */
const MAX_HEADER_BYTES = 1 << 20;

/** One Wyoming event. */
export interface WyomingEvent {
  type: string;
  data: Record<string, unknown>;
  payload?: Buffer;
}

/** Bytes of one event on the wire. */
export function encodeWyomingEvent(event: WyomingEvent): Buffer {
  const header: Record<string, unknown> = { type: event.type, version: WYOMING_VERSION };
  const data = Object.keys(event.data).length > 0 ? Buffer.from(JSON.stringify(event.data), 'utf8') : undefined;
  if (data) header.data_length = data.length;
  if (event.payload && event.payload.length > 0) header.payload_length = event.payload.length;
  const parts: Buffer[] = [Buffer.from(`${JSON.stringify(header)}\n`, 'utf8')];
  if (data) parts.push(data);
  if (event.payload && event.payload.length > 0) parts.push(event.payload);
  return Buffer.concat(parts);
}

/** Incremental parser: feed bytes as they arrive, take whole events out. */
export class WyomingParser {
  #buf: Buffer = Buffer.alloc(0);
  #pending: { header: Record<string, unknown>; dataLength: number; payloadLength: number } | undefined;

  /** Adds bytes; returns every event now complete. @throws HelixError `voice_engine_rejected` on a malformed header. */
  push(chunk: Buffer): WyomingEvent[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const events: WyomingEvent[] = [];
    for (;;) {
      if (!this.#pending) {
        const nl = this.#buf.indexOf(0x0a);
        if (nl < 0) {
          if (this.#buf.length > MAX_HEADER_BYTES) throw malformed('header line longer than 1 MiB');
          return events;
        }
        let header: unknown;
        try {
          header = JSON.parse(this.#buf.subarray(0, nl).toString('utf8'));
        } catch (cause) {
          throw malformed(`header is not JSON (${(cause as Error).message})`);
        }
        this.#buf = this.#buf.subarray(nl + 1);
        if (typeof header !== 'object' || header === null || typeof (header as { type?: unknown }).type !== 'string') throw malformed('header has no type');
        const h = header as Record<string, unknown>;
        const dataLength = lengthOf(h.data_length, 'data_length');
        const payloadLength = lengthOf(h.payload_length, 'payload_length');
        this.#pending = { header: h, dataLength, payloadLength };
      }
      const { header, dataLength, payloadLength } = this.#pending;
      if (this.#buf.length < dataLength + payloadLength) return events;
      let data: Record<string, unknown> = typeof header.data === 'object' && header.data !== null ? { ...(header.data as Record<string, unknown>) } : {};
      if (dataLength > 0) {
        try {
          data = { ...data, ...(JSON.parse(this.#buf.subarray(0, dataLength).toString('utf8')) as Record<string, unknown>) };
        } catch (cause) {
          throw malformed(`data is not JSON (${(cause as Error).message})`);
        }
      }
      const payload = payloadLength > 0 ? Buffer.from(this.#buf.subarray(dataLength, dataLength + payloadLength)) : undefined;
      this.#buf = this.#buf.subarray(dataLength + payloadLength);
      this.#pending = undefined;
      events.push(payload ? { type: header.type as string, data, payload } : { type: header.type as string, data });
    }
  }
}

function lengthOf(v: unknown, key: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw malformed(`${key} is not a length`);
  return v;
}

function malformed(why: string): HelixError {
  return new HelixError('voice_engine_rejected', `Wyoming peer sent a malformed event: ${why}.`);
}

/** Reads events from a socket one at a time; rejects when the socket ends, errors or the signal aborts. */
export class WyomingReader {
  readonly #socket: Socket;
  readonly #parser = new WyomingParser();
  readonly #queue: WyomingEvent[] = [];
  #ended: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#queue.push(...this.#parser.push(chunk));
      } catch (err) {
        this.#ended = err as Error;
        socket.destroy();
      }
      this.#wake?.();
    });
    socket.on('error', (err) => {
      this.#ended ??= new HelixError('voice_engine_unavailable', `Wyoming connection failed: ${err.message}.`, { cause: err });
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#ended ??= new HelixError('voice_engine_unavailable', 'Wyoming server closed the connection before it answered.');
      this.#wake?.();
    });
  }

  /** The next event. */
  async next(signal: AbortSignal): Promise<WyomingEvent> {
    for (;;) {
      const event = this.#queue.shift();
      if (event) return event;
      if (this.#ended) throw this.#ended;
      signal.throwIfAborted();
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          this.#wake = undefined;
          resolve();
        };
        this.#wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}
