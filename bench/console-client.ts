// Talking to a running web console as a browser does: POST /api/messages, the SSE stream of replies, and
// the Prometheus /metrics of the roles (to know when the brain has answered everything).
import { randomUUID } from 'node:crypto';
import { openSse } from '../tests/helpers/sse-client.ts';

/** Opens the session's stream, POSTs `text` once the stream is ready, and resolves when its `final` arrives (performance.now() stamps). */
export async function talkOnce(webPort: number, text: string, timeoutMs: number): Promise<{ acceptedAt: number; finalAt: number }> {
  const sessionId = `bench${randomUUID().replaceAll('-', '')}`;
  const sse = await openSse(`http://127.0.0.1:${webPort}/api/events?sessionId=${sessionId}`);
  try {
    if (sse.status !== 200) throw new Error(`GET /api/events answered ${sse.status}`);
    await sse.waitFor((e) => e.event === 'ready', 2_000);
    const res = await postMessage(webPort, sessionId, text);
    if (res !== 202) throw new Error(`POST /api/messages answered ${res}`);
    const acceptedAt = performance.now();
    await sse.waitFor((e) => e.event === 'final', timeoutMs);
    return { acceptedAt, finalAt: performance.now() };
  } finally {
    sse.close();
  }
}

/** POSTs one message with a new clientMessageId; returns the HTTP status. */
export async function postMessage(webPort: number, sessionId: string, text: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${webPort}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientMessageId: randomUUID(), sessionId, text }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Sum of every sample of `name` (any labels) whose label set contains all of `labels`, from a /metrics text. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** GETs a role's /metrics text. */
export async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return res.text();
}
