import type { CompletionRequest, LlmProvider } from './provider.ts';
import { Semaphore } from './semaphore.ts';

/** How much one provider may be asked at once. */
export interface BudgetOptions {
  /** Calls in flight at once; later calls wait in arrival order. @defaultValue `4` (llm.maxConcurrency) */
  maxConcurrency: number;
  /** Estimated tokens (prompt + completion) per minute; `0` = unlimited. @defaultValue `0` (llm.tokensPerMinute) */
  tokensPerMinute: number;
}

/**
 * Wraps a provider so it is never asked more than it can take: at most `maxConcurrency` calls in flight
 * (FIFO), and, when `tokensPerMinute` > 0, a token bucket that makes a call wait until its estimated
 * tokens have refilled. A call waiting for either leaves as soon as its `signal` aborts, rejecting with
 * the signal's reason, and never reaches the provider.
 */
export function withBudget(provider: LlmProvider, opts: BudgetOptions): LlmProvider {
  if (!Number.isInteger(opts.maxConcurrency) || opts.maxConcurrency < 1) throw new RangeError(`maxConcurrency must be an integer ≥ 1 (got ${opts.maxConcurrency})`);
  if (!(opts.tokensPerMinute >= 0)) throw new RangeError(`tokensPerMinute must be ≥ 0 (got ${opts.tokensPerMinute})`);
  const slots = new Semaphore(opts.maxConcurrency);
  const bucket = opts.tokensPerMinute > 0 ? new TokenBucket(opts.tokensPerMinute) : undefined;
  return {
    id: provider.id,
    // A getter: Ollama names its model only after the first call has looked it up.
    get model() {
      return provider.model;
    },
    async *stream(req: CompletionRequest): AsyncIterable<string> {
      const release = await slots.acquire(req.signal);
      try {
        await bucket?.take(estimateTokens(req), req.signal);
        yield* provider.stream(req);
      } finally {
        release();
      }
    },
    close: () => provider.close(),
  };
}

/** A rough token count for budgeting: ~4 characters per token of prompt, plus the most the reply may use. */
export function estimateTokens(req: Pick<CompletionRequest, 'messages' | 'maxTokens'>): number {
  const chars = req.messages.reduce((n, m) => n + m.content.length, 0);
  return Math.ceil(chars / 4) + req.maxTokens;
}

/**
 * A token bucket that lends: a call takes its tokens at once, even into debt, and waits until the bucket
 * has refilled past zero. Later calls see the deeper debt and wait longer, so waiters keep their order
 * without a queue. The bucket holds at most one minute's tokens, and a call never costs more than that
 * (a huge prompt waits for a full bucket instead of forever).
 */
class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  #tokens: number;
  #at = performance.now();

  constructor(tokensPerMinute: number) {
    this.#capacity = tokensPerMinute;
    this.#perMs = tokensPerMinute / 60_000;
    this.#tokens = tokensPerMinute;
  }

  async take(estimate: number, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    const cost = Math.min(estimate, this.#capacity);
    const now = performance.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#at) * this.#perMs) - cost;
    this.#at = now;
    if (this.#tokens >= 0) return;
    try {
      await sleep(-this.#tokens / this.#perMs, signal);
    } catch (err) {
      this.#tokens += cost; // the call never runs: give its tokens back
      throw err;
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.ceil(ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
