// A calendar host on 127.0.0.1 for the on-call feed tests: serves whatever `serve` last set, with a chosen status,
// delay or an endless body, and counts requests (the URL carries a secret token, like a private calendar address).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type IcalAnswer =
  | { kind: 'ics'; body: string; status?: number }
  /** Sends headers, then nothing for `ms`. */
  | { kind: 'hang'; ms: number }
  /** A chunked body that never stops growing (no content-length) until the client gives up. */
  | { kind: 'flood' };

export interface IcalServer {
  /** The feed's address, including its secret token. */
  readonly url: string;
  readonly token: string;
  readonly requests: number;
  serve(answer: IcalAnswer): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startIcalServer(initial: IcalAnswer, token = 's3cret-calendar-token'): Promise<IcalServer> {
  let answer = initial;
  let requests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests++;
    if (req.url !== `/calendar/${token}/basic.ics`) {
      res.writeHead(404).end('not found');
      return;
    }
    const a = answer;
    if (a.kind === 'ics') {
      res.writeHead(a.status ?? 200, { 'content-type': 'text/calendar; charset=utf-8' }).end(a.body);
    } else if (a.kind === 'hang') {
      res.writeHead(200, { 'content-type': 'text/calendar' });
      res.write('BEGIN:VCALENDAR\r\n');
      const t = setTimeout(() => res.end('END:VCALENDAR\r\n'), a.ms);
      res.on('close', () => clearTimeout(t));
    } else {
      res.writeHead(200, { 'content-type': 'text/calendar' });
      const line = `X-PADDING:${'x'.repeat(1_000)}\r\n`;
      const pump = () => {
        while (!res.destroyed && res.write(line));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.write('BEGIN:VCALENDAR\r\n');
      pump();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
  return {
    url: `http://127.0.0.1:${port}/calendar/${token}/basic.ics`,
    token,
    get requests() {
      return requests;
    },
    serve(next) {
      answer = next;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
