import { HelixError } from '../../../mesh/index.ts';

/** Options every HTTP embedder shares. */
export interface HttpEmbedderOptions {
  /** Whole call. @defaultValue `30000` */
  timeoutMs?: number;
}

/** POSTs JSON and returns the parsed answer; failures become `embedder_*` HelixErrors naming the server. */
export async function postEmbedJson(url: string, body: unknown, headers: Record<string, string>, describe: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<unknown> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? err;
    const why = timeout.aborted ? `did not answer within ${timeoutMs} ms` : `is not reachable (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message})`;
    throw new HelixError('embedder_unavailable', `${describe} ${why}. Is it running, and is memory.url right?`, { cause: err });
  }
  const text = await response.text();
  if (!response.ok) {
    const code = response.status >= 500 || response.status === 429 || response.status === 408 ? 'embedder_unavailable' : 'embedder_rejected';
    throw new HelixError(code, `${describe} answered ${response.status}: ${text.slice(0, 200)}. ${code === 'embedder_rejected' ? 'Check memory.model (is it pulled / an embedding model?) and the API key.' : 'It may be overloaded or restarting.'}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HelixError('embedder_rejected', `${describe} answered something that is not JSON: ${text.slice(0, 120)}`, { cause: err });
  }
}

/** Checks the count and size of returned vectors. */
export function checkVectors(vectors: readonly (readonly number[])[], expected: number, dims: number, describe: string): void {
  if (vectors.length !== expected) throw new HelixError('embedder_rejected', `${describe} returned ${vectors.length} vectors for ${expected} texts.`);
  const short = vectors.find((v) => v.length < dims);
  if (short) throw new HelixError('embedder_rejected', `${describe} returned ${short.length}-dimensional vectors; Helix stores ${dims}. Choose a model with at least ${dims} dimensions (memory.model).`);
}
