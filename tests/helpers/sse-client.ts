// A Server-Sent Events reader for tests: fetch + eventsource-parser, every event recorded in order.
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseClient {
  readonly events: EventSourceMessage[];
  readonly status: number;
  /** Resolves with the first event (counting from `from`) that matches; rejects after `timeoutMs`. */
  waitFor(match: (e: EventSourceMessage) => boolean, timeoutMs?: number): Promise<EventSourceMessage>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: EventSourceMessage[] = [];
  const waiters: Array<() => void> = [];
  const parser = createParser({
    onEvent(e) {
      events.push(e);
      for (const w of waiters.splice(0)) w();
    },
  });
  if (res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
      } catch {
        // aborted
      }
    })();
  }
  return {
    events,
    status: res.status,
    async waitFor(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(match);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching SSE event within ${timeoutMs} ms; got: ${events.map((e) => e.event).join(', ')}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.min(left, 100));
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
    close: () => abort.abort(),
  };
}
