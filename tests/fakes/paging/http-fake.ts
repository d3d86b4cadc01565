// A tiny node:http server base for the paging API fakes: records requests, replays queued failures.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface QueuedFailure {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeHttpApi {
  readonly url: string;
  /** Every request received, failed ones included. */
  readonly requests: RecordedRequest[];
  /** The next `times` requests get this answer instead of the normal one. */
  failNext(failure: QueuedFailure, times?: number): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export type Handler = (req: RecordedRequest) => { status: number; body: unknown; headers?: Record<string, string> };

export async function startFakeHttpApi(handle: Handler): Promise<FakeHttpApi> {
  const requests: RecordedRequest[] = [];
  const failures: QueuedFailure[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const answer = failures.shift() ?? handle(recorded);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(failure, times = 1) {
      for (let i = 0; i < times; i++) failures.push(failure);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
