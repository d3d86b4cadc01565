// The real brain as a child process (`node brain/main.ts`) on a test prefix, answering with a fake
// OpenAI-compatible model: what the platform end-to-end tests talk to.
import { join } from 'node:path';
import { spawnJsonProcess, type JsonProcess } from './json-process.ts';
import { REDIS_URL, eventually } from './mesh-harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const START_TIMEOUT_MS = 150_000;

/** A running brain process; `stop()` sends SIGTERM and waits (at most 15 s). */
export interface BrainProcess extends JsonProcess {
  stop(): Promise<void>;
}

/** Starts the brain with only these settings (the caller's HELIX_* and provider variables are dropped), plus `extraEnv`. */
export async function startBrainProcess(prefix: string, modelUrl: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<BrainProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('HELIX_') || ['REDIS_URL', 'DATABASE_URL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OLLAMA_HOST'].includes(k)) delete env[k];
  Object.assign(env, {
    HELIX_REDIS__URL: REDIS_URL,
    HELIX_REDIS__PREFIX: prefix,
    HELIX_STORE__DATA_DIR: 'memory://',
    HELIX_BRAIN__PORT: '0',
    HELIX_BRAIN__BURST__QUIET_MS: '0',
    HELIX_LLM__PROVIDER: 'openai',
    HELIX_LLM__OPENAI__BASE_URL: `${modelUrl}/v1`,
    HELIX_LLM__OPENAI__MODEL: 'fake',
    HELIX_LLM__MAX_RETRIES: '0',
    ...extraEnv,
  });
  const proc = spawnJsonProcess(process.execPath, [join(ROOT, 'brain', 'main.ts')], { cwd: ROOT, env });
  // A loaded 2-core CI box has taken over a minute to start the brain (PGlite's WASM compile); a brain that
  // never says so is killed, so a failed start leaves no child behind.
  try {
    await eventually(() => proc.lines.some((l) => l.msg === 'brain started') || proc.child.exitCode !== null, START_TIMEOUT_MS, 'the brain process to start');
  } catch (err) {
    proc.child.kill('SIGKILL');
    throw err;
  }
  if (proc.child.exitCode !== null) throw new Error(`brain exited with ${proc.child.exitCode}: ${proc.stderr()}`);
  return {
    ...proc,
    async stop() {
      if (proc.child.exitCode !== null) return;
      proc.child.kill('SIGTERM');
      await Promise.race([proc.exit, new Promise((r) => setTimeout(r, 15_000))]);
    },
  };
}
