import { fork, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HelixError, type Logger } from '../../../mesh/index.ts';
import type { ChatMessage, CompletionRequest, LlmProvider } from '../provider.ts';
import { validateGguf } from './validate-gguf.ts';
import type { LoadStage, WorkerLoad, WorkerReply, WorkerRequest } from './worker.ts';

const WORKER_PATH = fileURLToPath(new URL('./worker.ts', import.meta.url));

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

/** The last lines a worker wrote to stderr, kept for crash reports. */
const STDERR_LINES = 30;
/** Grace between SIGTERM and SIGKILL when closing a worker. */
const KILL_GRACE_MS = 2_000;

/** One generation in the worker: chunks arrive by IPC and are pulled by `stream()`. */
class Generation {
  readonly id: number;
  readonly settled: Promise<void>;
  #chunks: string[] = [];
  #ended = false;
  #cancelRequested = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  #settle!: () => void;

  constructor(id: number) {
    this.id = id;
    this.settled = new Promise((resolve) => (this.#settle = resolve));
  }
  get ended(): boolean {
    return this.#ended;
  }
  /** True the first time only, so one generation gets one cancel (and one kill timer). */
  requestCancel(): boolean {
    if (this.#cancelRequested) return false;
    this.#cancelRequested = true;
    return true;
  }
  push(text: string): void {
    this.#chunks.push(text);
    this.#wake?.();
  }
  /** The worker is done with this generation (finished, failed, or died); `error` fails the reader. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#settle();
    this.#wake?.();
  }
  /** Yields chunks until the worker ends the generation; throws the failure, or `signal`'s reason on abort. */
  async *chunks(signal: AbortSignal): AsyncGenerator<string> {
    for (;;) {
      signal.throwIfAborted();
      const text = this.#chunks.shift();
      if (text !== undefined) {
        yield text;
        continue;
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#wake = undefined;
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.#wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}

/** What a worker reports once the model is loaded. */
interface WorkerReady {
  chatWrapper: string;
  contextSize: number;
  trainContextSize: number;
}

/** One forked worker: its load, its current generation, its exit. */
class WorkerProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<WorkerReady>;
  readonly exited: Promise<void>;
  #alive = true;
  #stopping = false;
  #generation: Generation | undefined;
  #stderr: string[] = [];
  readonly #modelPath: string;
  readonly #log: Logger | undefined;

  constructor(load: WorkerLoad, loadTimeoutMs: number, log: Logger | undefined) {
    this.#modelPath = load.modelPath;
    this.#log = log;
    // execArgv is cleared so a parent's --inspect or test-runner flags do not leak into the worker.
    this.child = fork(WORKER_PATH, [], { execPath: process.execPath, execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.#stderr.push(line);
        if (this.#stderr.length > STDERR_LINES) this.#stderr.shift();
        this.#log?.debug({ workerPid: this.child.pid, line }, 'local model worker output');
      }
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);

    let settleReady!: { resolve: (r: WorkerReady) => void; reject: (e: unknown) => void };
    this.ready = new Promise((resolve, reject) => (settleReady = { resolve, reject }));
    this.ready.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
    let loaded = false;
    const loadTimer = setTimeout(() => {
      settleReady.reject(new HelixError('model_unavailable', `The local model ${this.#modelPath} did not load within ${loadTimeoutMs} ms. A large model on a slow disk may need more time, or less context (llm.local.contextSize).`));
      this.kill();
    }, loadTimeoutMs);
    loadTimer.unref();

    this.child.on('message', (msg: WorkerReply) => {
      switch (msg.type) {
        case 'ready':
          loaded = true;
          clearTimeout(loadTimer);
          settleReady.resolve({ chatWrapper: msg.chatWrapper, contextSize: msg.contextSize, trainContextSize: msg.trainContextSize });
          return;
        case 'load-failed':
          clearTimeout(loadTimer);
          settleReady.reject(loadError(this.#modelPath, msg.stage, msg.message, msg.llamaLog));
          // Nothing loaded, nothing to reuse: the next call starts a fresh worker.
          void this.stop();
          return;
        case 'chunk':
          if (this.#generation?.id === msg.id) this.#generation.push(msg.text);
          return;
        case 'done':
        case 'failed':
          if (this.#generation?.id !== msg.id) return;
          this.#generation.end(msg.type === 'failed' ? new HelixError('model_unavailable', `The local model ${basename(this.#modelPath)} failed while answering: ${msg.message}`) : undefined);
          this.#generation = undefined;
          return;
      }
    });

    this.exited = new Promise((resolve) => {
      const onGone = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
        if (!this.#alive) return;
        this.#alive = false;
        clearTimeout(loadTimer);
        const how = spawnError ? `could not start (${spawnError.message})` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
        if (!loaded) settleReady.reject(this.#crashDuringLoad(how, spawnError));
        if (this.#generation) {
          const why = this.#stopping
            ? `The local model ${basename(this.#modelPath)} was closed while answering.`
            : `The local model worker (pid ${this.child.pid}) ${how} while answering; the reply is incomplete. Helix restarts it for the next call.${this.#tail()}`;
          this.#generation.end(new HelixError('model_unavailable', why));
          this.#generation = undefined;
        }
        if (loaded && !this.#stopping) this.#log?.warn({ workerPid: this.child.pid, code, signal }, 'local model worker died; it restarts on the next call');
        resolve();
      };
      this.child.on('exit', (code, signal) => onGone(code, signal));
      // 'error' also reports a failed kill or send to a live worker; only a failed spawn means it is gone.
      this.child.on('error', (err) => {
        if (this.child.pid === undefined) return onGone(null, null, err);
        this.#log?.warn({ workerPid: this.child.pid, err: err.message }, 'local model worker error; restarting it');
        this.kill();
      });
    });

    this.send(load);
  }

  get alive(): boolean {
    return this.#alive;
  }

  send(msg: WorkerRequest): void {
    if (!this.#alive || !this.child.connected) return;
    // A failed send means the worker is going away; its 'exit' reports that.
    this.child.send(msg, (err) => err && this.#log?.debug({ err: err.message }, 'local model worker did not take a message'));
  }

  /** Starts one generation; the caller must wait for the previous one to settle. */
  generate(id: number, messages: readonly ChatMessage[], maxTokens: number, temperature: number): Generation {
    const gen = new Generation(id);
    if (!this.#alive) {
      gen.end(new HelixError('model_unavailable', `The local model worker for ${basename(this.#modelPath)} is not running.`));
      return gen;
    }
    this.#generation = gen;
    this.send({ type: 'generate', id, messages: [...messages], maxTokens, temperature });
    return gen;
  }

  kill(): void {
    if (this.#alive) this.child.kill('SIGKILL');
  }

  /** Stops the worker: SIGTERM, then SIGKILL if it lingers. Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#alive) {
      this.child.kill('SIGTERM');
      const force = setTimeout(() => this.kill(), KILL_GRACE_MS);
      force.unref();
      await this.exited;
      clearTimeout(force);
    }
  }

  #tail(): string {
    return this.#stderr.length ? ` Last output: ${this.#stderr.slice(-5).join(' | ')}.` : '';
  }

  #crashDuringLoad(how: string, spawnError: Error | undefined): HelixError {
    if (spawnError || this.#stopping) {
      return new HelixError('model_unavailable', `The local model worker ${how}; ${basename(this.#modelPath)} was not loaded.`, spawnError ? { cause: spawnError } : undefined);
    }
    // The header passed validation, so a crash here is llama.cpp rejecting the contents (GGML_ASSERT aborts).
    return new HelixError(
      'model_file_invalid',
      `llama.cpp crashed while loading ${this.#modelPath} (the worker ${how}); the brain is unaffected.${this.#tail()} ` +
        'The file is damaged, or for an architecture or variant this llama.cpp build does not support: download it again or pick another .gguf.',
    );
  }
}

/** Turns a worker's load failure into a HelixError with the next step. */
function loadError(modelPath: string, stage: LoadStage, message: string, llamaLog: readonly string[]): HelixError {
  // node-llama-cpp's own message is generic ("Failed to load model"); llama.cpp's errors say why.
  const errors = llamaLog.filter((l) => l.startsWith('error:'));
  const lines = [...new Set(errors.length ? errors : llamaLog)].slice(-3);
  const detail = lines.length ? `${message} (llama.cpp ${lines.join(' | ')})` : message;
  switch (stage) {
    case 'engine':
      return new HelixError('model_unavailable', `llama.cpp could not start: ${detail}. Reinstall dependencies (npm install) so node-llama-cpp's prebuilt binary for this platform is present.`);
    case 'context':
      return new HelixError('model_unavailable', `llama.cpp loaded ${modelPath} but could not create its context: ${detail}. Lower llm.local.contextSize or free memory.`);
    case 'model':
      if (/memory|VRAM|\bRAM\b/i.test(message)) {
        return new HelixError('model_unavailable', `${modelPath} does not fit in memory: ${detail}. Pick a smaller (more quantized) model or free memory.`);
      }
      return new HelixError('model_file_invalid', `llama.cpp could not load ${modelPath}: ${detail}. The file is damaged or for a model this llama.cpp build does not support: download it again or pick another .gguf.`);
  }
}

/** A FIFO of callers waiting for the one worker; an aborted waiter leaves the line. */
class TurnQueue {
  #busy = false;
  #waiting: Array<{ start: () => void; fail: (err: unknown) => void }> = [];

  /** Resolves when it is the caller's turn; the returned function hands the turn on. */
  acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next.start();
      else this.#busy = false;
    };
    if (!this.#busy) {
      this.#busy = true;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const entry = {
        start: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
        fail: (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        this.#waiting = this.#waiting.filter((e) => e !== entry);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(entry);
    });
  }

  /** Fails everyone still waiting (on close). */
  failAll(err: unknown): void {
    for (const w of this.#waiting.splice(0)) w.fail(err);
  }
}

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
  readonly #queue = new TurnQueue();
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
