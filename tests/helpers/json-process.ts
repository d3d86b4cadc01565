// A child process whose stdout is pino JSON: every line parsed as it arrives (non-JSON kept as { text }).
import { spawn, type ChildProcess } from 'node:child_process';

export interface JsonProcess {
  readonly child: ChildProcess;
  /** stdout lines so far, parsed. */
  readonly lines: Array<Record<string, unknown>>;
  /** stderr so far. */
  stderr(): string;
  /** Resolves with the exit code. */
  readonly exit: Promise<number | null>;
}

/** Spawns `command args` with stdout/stderr piped and parsed. The caller stops it (kill, then await `exit`). */
export function spawnJsonProcess(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): JsonProcess {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let partial = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    const all = (partial + d.toString()).split('\n');
    partial = all.pop()!;
    for (const l of all.filter(Boolean)) {
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        lines.push({ text: l });
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, lines, stderr: () => err, exit };
}
