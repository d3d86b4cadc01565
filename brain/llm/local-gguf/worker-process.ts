import { fork, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HelixError, type Logger } from '../../../mesh/index.ts';
import type { ChatMessage } from '../provider.ts';
import type { LoadStage, WorkerLoad, WorkerReply, WorkerRequest } from './worker.ts';

const WORKER_PATH = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** The last lines a worker wrote to stderr, kept for crash reports. */
const STDERR_LINES = 30;
/** Grace between SIGTERM and SIGKILL when closing a worker. */
const KILL_GRACE_MS = 2_000;

/** One generation in the worker: chunks arrive by IPC and are pulled by `stream()`. */
export class Generation {
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
export interface WorkerReady {
  chatWrapper: string;
  contextSize: number;
  trainContextSize: number;
}

/** One forked worker: its load, its current generation, its exit. */
export class WorkerProcess {
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
export function loadError(modelPath: string, stage: LoadStage, message: string, llamaLog: readonly string[]): HelixError {
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
