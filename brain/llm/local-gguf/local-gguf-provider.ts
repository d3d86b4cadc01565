import { basename } from 'node:path';
import { HelixError, type Logger } from '../../../mesh/index.ts';
import type { CompletionRequest, LlmProvider } from '../provider.ts';
import { Semaphore } from '../semaphore.ts';
import { validateGguf } from './validate-gguf.ts';
import { Generation, WorkerProcess } from './worker-process.ts';

export interface LocalGgufOptions {
  /** The GGUF file to run. */
  modelPath: string;
  /** CPU threads for llama.cpp; 0 lets it choose (on a 2-core machine pass 1: its default oversubscribes). */
  threads: number;
  /** Use a GPU when llama.cpp finds one. */
  gpu: boolean;
  /** Context window in tokens (an upper bound: llama.cpp may make it smaller to fit memory or the model). */
  contextSize: number;
  /** Longest one call may take, waiting for its turn and the whole stream included (`llm.timeoutMs`). */
  timeoutMs: number;
  /** Longest loading the model may take (at open and on a restart). @defaultValue `120000` */
  loadTimeoutMs?: number;
  /** After a cancel, how long the worker may take to stop before it is killed. @defaultValue `5000` */
  cancelGraceMs?: number;
  log?: Logger;
}

/** Defaults for the optional fields of {@link LocalGgufOptions}. */
export const DefaultLocalGgufOptions = { loadTimeoutMs: 120_000, cancelGraceMs: 5_000 } as const satisfies Required<Pick<LocalGgufOptions, 'loadTimeoutMs' | 'cancelGraceMs'>>;

/**
 * A GGUF model run by llama.cpp (node-llama-cpp) in a child process, so a crash or abort in native code
 * never takes the brain down. One generation runs at a time (the rest wait in line). If the worker dies
 * mid-call, that call fails with `model_unavailable` and the next call starts a fresh worker.
 * The prompt is formatted with the model's own chat template (ChatML and the other known ones).
 */
export class LocalGgufProvider implements LlmProvider {
  readonly id = 'local' as const;
  /** The model's file name. */
  readonly model: string;
  readonly #opts: LocalGgufOptions & Required<Pick<LocalGgufOptions, 'loadTimeoutMs' | 'cancelGraceMs'>>;
  /** One generation at a time: the rest wait in line (an aborted waiter leaves it). */
  readonly #queue = new Semaphore(1);
  #worker: WorkerProcess | undefined;
  #nextId = 1;
  #closing: Promise<void> | undefined;

  private constructor(opts: LocalGgufOptions) {
    this.#opts = { ...opts, loadTimeoutMs: opts.loadTimeoutMs ?? DefaultLocalGgufOptions.loadTimeoutMs, cancelGraceMs: opts.cancelGraceMs ?? DefaultLocalGgufOptions.cancelGraceMs };
    this.model = basename(opts.modelPath);
  }

  /**
   * Checks the file, starts the worker and waits until the model is loaded.
   * @throws HelixError `model_file_invalid` (missing, damaged or unloadable file) or `model_unavailable`
   * (llama.cpp cannot start, the model does not fit, loading timed out).
   */
  static async open(opts: LocalGgufOptions): Promise<LocalGgufProvider> {
    const provider = new LocalGgufProvider(opts);
    try {
      // Bounded by loadTimeoutMs inside the worker handle; nothing else aborts an open.
      await provider.#startWorker(new AbortController().signal);
    } catch (err) {
      await provider.close();
      throw err;
    }
    return provider;
  }

  /** The worker's process id while one runs (for logs and ops). */
  get workerPid(): number | undefined {
    return this.#worker?.alive ? this.#worker.child.pid : undefined;
  }

  async *stream(req: CompletionRequest): AsyncIterable<string> {
    if (this.#closing) throw new HelixError('model_unavailable', `The local model ${this.model} is closed.`);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#opts.timeoutMs);
    timer.unref();
    const signal = req.signal ? AbortSignal.any([req.signal, deadline.signal]) : deadline.signal;
    // The caller's own abort passes through as its reason; only our deadline becomes model_timeout.
    const stopped = (err: unknown) =>
      req.signal?.aborted ? req.signal.reason : deadline.signal.aborted ? new HelixError('model_timeout', `The local model ${this.model} did not finish within ${this.#opts.timeoutMs} ms (llm.timeoutMs).`) : err;
    let release: (() => void) | undefined;
    let running: { worker: WorkerProcess; gen: Generation } | undefined;
    try {
      release = await this.#queue.acquire(signal);
      const worker = await this.#ensureWorker(signal);
      const gen = worker.generate(this.#nextId++, req.messages, req.maxTokens, req.temperature);
      running = { worker, gen };
      // The turn passes on when the worker is done with this generation, whatever the reader does, and an
      // abort or the deadline cancels it even while the reader is not pulling (or has walked away).
      const onAbort = () => this.#cancel(worker, gen);
      signal.addEventListener('abort', onAbort, { once: true });
      const handOn = release;
      release = undefined;
      void gen.settled.then(() => {
        signal.removeEventListener('abort', onAbort);
        handOn();
      });
      yield* gen.chunks(signal);
    } catch (err) {
      throw signal.aborted ? stopped(err) : err;
    } finally {
      clearTimeout(timer);
      release?.();
      // The reader stopped early (break/return): the rest of the reply is not wanted.
      if (running && !running.gen.ended) this.#cancel(running.worker, running.gen);
    }
  }

  /** Asks the worker to stop a generation, and kills it if it has not stopped within `cancelGraceMs`. */
  #cancel(worker: WorkerProcess, gen: Generation): void {
    if (gen.ended || !gen.requestCancel()) return;
    worker.send({ type: 'cancel', id: gen.id });
    const force = setTimeout(() => {
      this.#opts.log?.warn({ workerPid: worker.child.pid }, 'local model worker ignored a cancel; killing it');
      worker.kill();
    }, this.#opts.cancelGraceMs);
    force.unref();
    void gen.settled.then(() => clearTimeout(force));
  }

  /** The running worker, or a fresh one (file checked again: it may have changed since it was last loaded). */
  async #ensureWorker(signal: AbortSignal): Promise<WorkerProcess> {
    if (this.#closing) throw new HelixError('model_unavailable', `The local model ${this.model} is closed.`);
    if (!this.#worker?.alive) await this.#startWorker(signal);
    const worker = this.#worker;
    if (!worker) throw new HelixError('model_unavailable', `The local model ${this.model} is not running.`);
    await raceAbort(worker.ready, signal);
    return worker;
  }

  async #startWorker(signal: AbortSignal): Promise<void> {
    const { modelPath, threads, gpu, contextSize, loadTimeoutMs, log } = this.#opts;
    const header = validateGguf(modelPath);
    const started = Date.now();
    const worker = new WorkerProcess({ type: 'load', modelPath, threads, gpu, contextSize }, loadTimeoutMs, log);
    this.#worker = worker;
    log?.info({ workerPid: worker.child.pid, model: this.model, architecture: header.architecture }, 'local model worker starting');
    try {
      const ready = await raceAbort(worker.ready, signal);
      log?.info({ workerPid: worker.child.pid, model: this.model, ms: Date.now() - started, ...ready }, 'local model loaded');
    } catch (err) {
      if (!signal.aborted) {
        // A failed load leaves nothing to reuse: the next call starts over (and checks the file again).
        if (this.#worker === worker) this.#worker = undefined;
        await worker.stop();
      }
      throw err;
    }
  }

  /** Stops the worker and fails calls still waiting. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#queue.failAll(new HelixError('model_unavailable', `The local model ${this.model} was closed.`));
      const worker = this.#worker;
      this.#worker = undefined;
      await worker?.stop();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Awaits `p`, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
