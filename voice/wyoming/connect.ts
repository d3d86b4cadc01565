// Opens a Wyoming TCP connection (`tcp://host:port`, as wyoming-faster-whisper and wyoming-piper listen).
import { connect, type Socket } from 'node:net';
import { HelixError } from '../../mesh/index.ts';

/** Host and port of a `tcp://host:port` URL. @throws RangeError on another scheme. */
export function parseWyomingUrl(url: string): { host: string; port: number } {
  const u = new URL(url);
  if (u.protocol !== 'tcp:' || !u.port) throw new RangeError(`a Wyoming URL looks like tcp://127.0.0.1:10300 (got ${url})`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
}

/** Connects, or rejects with `voice_engine_unavailable` (or the signal's reason). The socket is destroyed when the signal aborts. */
export function connectWyoming(url: string, signal: AbortSignal): Promise<Socket> {
  const { host, port } = parseWyomingUrl(url);
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      socket.off('error', onError);
      // From here on the caller's reader owns errors; keep destroying on abort.
      signal.removeEventListener('abort', onAbort);
      signal.addEventListener('abort', () => socket.destroy(), { once: true });
      resolve(socket);
    });
    const onError = (err: Error) => {
      signal.removeEventListener('abort', onAbort);
      reject(new HelixError('voice_engine_unavailable', `Wyoming server at ${url} is not reachable (${err.message}). Check that it runs and the URL.`, { cause: err }));
    };
    socket.once('error', onError);
  });
}
