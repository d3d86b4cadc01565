// A fake Wyoming server on 127.0.0.1 speaking the real framing (rhasspy/wyoming event.py): it can act
// as wyoming-faster-whisper (transcribe/audio-* → transcript, then close) and wyoming-piper
// (synthesize → audio-start, audio-chunk × n of 1024 samples, audio-stop; connection stays open).
// It keeps every event it received so a test can assert the exact wire format, and it parses
// independently of voice/ (no shared code), accepting data inline or split out, as the real one does.
import { createServer, type Server, type Socket } from 'node:net';

export interface ReceivedEvent {
  type: string;
  /** The header line exactly as received. */
  header: Record<string, unknown>;
  data: Record<string, unknown>;
  payload: Buffer;
}

export interface FakeWyomingOptions {
  /** Text of the `transcript` answer. @defaultValue `'hello helix'` */
  transcript?: string;
  /** What to do for `transcribe`: answer, send an `error` event, close without answering, or never answer. */
  sttMode?: 'answer' | 'error' | 'close' | 'hang';
  /** PCM (16-bit mono) to speak for `synthesize`, at `ttsRate`; default: 0.5 s of a 220 Hz tone per 10 characters. */
  ttsAudio?: (text: string) => Int16Array;
  /** @defaultValue `22050` */
  ttsRate?: number;
  ttsMode?: 'answer' | 'error' | 'hang';
  /** Also send `data` inline in the header instead of split out (the reader must accept both). */
  inlineData?: boolean;
}

export interface FakeWyoming extends AsyncDisposable {
  url: string;
  /** Events per connection, in order. */
  connections: ReceivedEvent[][];
  set(options: FakeWyomingOptions): void;
  close(): Promise<void>;
}

export async function startFakeWyoming(initial: FakeWyomingOptions = {}): Promise<FakeWyoming> {
  let opts: FakeWyomingOptions = initial;
  const connections: ReceivedEvent[][] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const events: ReceivedEvent[] = [];
    connections.push(events);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const nl = buf.indexOf(0x0a);
        if (nl < 0) return;
        const header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as Record<string, unknown>;
        const dl = (header.data_length as number | undefined) ?? 0;
        const pl = (header.payload_length as number | undefined) ?? 0;
        if (buf.length < nl + 1 + dl + pl) return;
        const data = { ...((header.data as Record<string, unknown> | undefined) ?? {}), ...(dl ? (JSON.parse(buf.subarray(nl + 1, nl + 1 + dl).toString('utf8')) as Record<string, unknown>) : {}) };
        const payload = Buffer.from(buf.subarray(nl + 1 + dl, nl + 1 + dl + pl));
        buf = buf.subarray(nl + 1 + dl + pl);
        const ev = { type: header.type as string, header, data, payload };
        events.push(ev);
        handle(socket, ev, events);
      }
    });
  });
  const send = (socket: Socket, type: string, data: Record<string, unknown>, payload?: Buffer) => {
    const header: Record<string, unknown> = { type, version: '1.7.0' };
    let body = Buffer.alloc(0);
    if (opts.inlineData) header.data = data;
    else {
      body = Buffer.from(JSON.stringify(data));
      header.data_length = body.length;
    }
    if (payload?.length) header.payload_length = payload.length;
    socket.write(Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), body, payload ?? Buffer.alloc(0)]));
  };
  const handle = (socket: Socket, ev: ReceivedEvent, _events: ReceivedEvent[]) => {
    if (ev.type === 'describe') send(socket, 'info', { asr: [], tts: [] });
    if (ev.type === 'audio-stop') {
      const mode = opts.sttMode ?? 'answer';
      if (mode === 'answer') {
        send(socket, 'transcript', { text: opts.transcript ?? 'hello helix', language: 'en' });
        socket.end(); // wyoming-faster-whisper's handler returns False: the connection closes
      } else if (mode === 'error') {
        send(socket, 'error', { text: 'model failed to load', code: 'ModelError' });
        socket.end();
      } else if (mode === 'close') socket.destroy();
    }
    if (ev.type === 'synthesize') {
      const mode = opts.ttsMode ?? 'answer';
      if (mode === 'hang') return;
      if (mode === 'error') return send(socket, 'error', { text: 'voice not found', code: 'VoiceNotFound' });
      const rate = opts.ttsRate ?? 22_050;
      const text = String(ev.data.text ?? '');
      const pcm = opts.ttsAudio ? opts.ttsAudio(text) : tone(rate, 0.05 * text.length);
      send(socket, 'audio-start', { rate, width: 2, channels: 1 });
      const bytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
      for (let at = 0; at < bytes.length; at += 2_048) send(socket, 'audio-chunk', { rate, width: 2, channels: 1 }, bytes.subarray(at, at + 2_048));
      send(socket, 'audio-stop', {});
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }));
  return { url: `tcp://127.0.0.1:${port}`, connections, set: (o) => (opts = { ...opts, ...o }), close, [Symbol.asyncDispose]: close };
}

/** `seconds` of a 220 Hz tone at about -12 dBFS. */
export function tone(rate: number, seconds: number): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(8_000 * Math.sin((2 * Math.PI * 220 * i) / rate));
  return out;
}
