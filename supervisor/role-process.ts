import { spawn, type ChildProcess } from 'node:child_process';
import { EXIT_CONFIG } from '../mesh/lifecycle.ts';
import type { Logger } from '../mesh/observe/log.ts';

/** Where a role is in its life. */
export type RoleState = 'starting' | 'up' | 'backoff' | 'stopping' | 'stopped' | 'failed';

export interface RoleProcessOptions {
  name: string;
  /** The role's entry file (TypeScript, run by this Node). */
  entry: string;
  /** Polled after each spawn; the role counts as up once it answers 200. Unset: up once spawned. */
  healthUrl: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Node command-line flags before the entry file. @defaultValue `[]` */
  nodeFlags?: readonly string[];
  log: Logger;
  stopTimeoutMs: number;
  maxRestartDelayMs: number;
  /** First restart delay; doubles per crash in a row. @defaultValue `500` */
  minRestartDelayMs?: number;
  /** A run longer than this resets the backoff. @defaultValue `30000` */
  stableAfterMs?: number;
  /** Called on each restart (for metrics). */
  onRestart?: () => void;
  /** Called when the role gives up for good (a configuration error). */
  onFailed?: (reason: string) => void;
}

/**
 * One role (brain, web...) as a supervised child process: restarted with exponential backoff when it
 * crashes, stopped with SIGTERM then SIGKILL after `stopTimeoutMs`. Hand-written because the needs are
 * small and specific (ordered stop, health-gated "up", no restart on a config error) and the process
 * managers on npm (pm2, forever) bring daemons and their own log handling that we do not want.
 */
export class RoleProcess {
  readonly name: string;
  #state: RoleState = 'stopped';
  #child: ChildProcess | undefined;
  #restarts = 0;
  #crashesInARow = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;
  readonly #opts: RoleProcessOptions;
  #upWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(opts: RoleProcessOptions) {
    this.name = opts.name;
    this.#opts = opts;
  }

  get state(): RoleState {
    return this.#state;
  }
  get restarts(): number {
    return this.#restarts;
  }
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    if (this.#stopping) return;
    this.#spawn();
  }

  /** Resolves once the role is up; rejects if it fails for good or `timeoutMs` passes. */
  waitUp(timeoutMs: number): Promise<void> {
    if (this.#state === 'up') return Promise.resolve();
    if (this.#state === 'failed') return Promise.reject(new Error(`${this.name} failed`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} was not up within ${timeoutMs} ms (state ${this.#state})`)), timeoutMs);
      this.#upWaiters.push({
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }

  /** SIGTERM, then SIGKILL after stopTimeoutMs; no restart afterwards. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearTimeout(this.#timer);
      const child = this.#child;
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        this.#state = this.#state === 'failed' ? 'failed' : 'stopped';
        return;
      }
      this.#state = 'stopping';
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const killer = setTimeout(() => {
        this.#opts.log.warn({ name: this.name, timeout_ms: this.#opts.stopTimeoutMs }, 'role did not stop in time; killing it');
        child.kill('SIGKILL');
      }, this.#opts.stopTimeoutMs);
      await exited;
      clearTimeout(killer);
      this.#state = 'stopped';
    })();
    return this.#stopping;
  }

  #spawn(): void {
    const { log, entry, env, nodeFlags = [] } = this.#opts;
    this.#state = 'starting';
    const startedAt = Date.now();
    // Own process group (detached): a terminal's Ctrl-C reaches only the supervisor, which then stops the
    // roles in order. The IPC channel is only a lifeline: a role exits when it closes (the supervisor died, even by kill -9).
    const child = spawn(process.execPath, [...nodeFlags, entry], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true });
    this.#child = child;
    log.info({ name: this.name, child_pid: child.pid }, 'role starting');
    void this.#watchHealth(child);
    child.once('exit', (code, signal) => {
      if (this.#stopping) return;
      const ranMs = Date.now() - startedAt;
      if (code === EXIT_CONFIG) {
        this.#state = 'failed';
        const reason = `${this.name} exited with a configuration error (code ${EXIT_CONFIG}); fix it and start again`;
        log.error({ name: this.name, code }, reason);
        for (const w of this.#upWaiters.splice(0)) w.reject(new Error(reason));
        this.#opts.onFailed?.(reason);
        return;
      }
      this.#crashesInARow = ranMs > (this.#opts.stableAfterMs ?? 30_000) ? 1 : this.#crashesInARow + 1;
      const delay = Math.min((this.#opts.minRestartDelayMs ?? 500) * 2 ** (this.#crashesInARow - 1), this.#opts.maxRestartDelayMs);
      this.#state = 'backoff';
      log.error({ name: this.name, code, signal, ran_ms: ranMs, restart_in_ms: delay }, 'role exited; restarting');
      this.#timer = setTimeout(() => {
        this.#restarts += 1;
        this.#opts.onRestart?.();
        this.#spawn();
      }, delay);
    });
  }

  async #watchHealth(child: ChildProcess): Promise<void> {
    const url = this.#opts.healthUrl;
    for (;;) {
      if (this.#child !== child || child.exitCode !== null || child.signalCode !== null || this.#stopping) return;
      if (!url || (await fetch(url, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (this.#child !== child || this.#stopping) return;
    this.#state = 'up';
    this.#opts.log.info({ name: this.name, child_pid: child.pid }, 'role up');
    for (const w of this.#upWaiters.splice(0)) w.resolve();
  }
}
