// Sorting an engine's HTTP answer into Helix error codes (shared by the OpenAI-compatible STT and TTS clients).
import { HelixError } from '../mesh/index.ts';

/** Runs `fetch`, turning network failures into `voice_engine_unavailable` (aborts pass through). */
export async function engineFetch(what: string, url: string, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (cause) {
    if (init.signal.aborted) throw init.signal.reason;
    throw new HelixError('voice_engine_unavailable', `${what} at ${url} is not reachable (${(cause as Error).message}). Check that it runs and the URL.`, { cause });
  }
  if (res.ok) return res;
  const body = (await res.text().catch(() => '')).slice(0, 300);
  if (res.status >= 500 || res.status === 429) {
    throw new HelixError('voice_engine_unavailable', `${what} at ${url} answered ${res.status}: ${body}`);
  }
  throw new HelixError('voice_engine_rejected', `${what} at ${url} refused the request (${res.status}): ${body}. Check the model, voice and API key.`);
}
