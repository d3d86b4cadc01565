// `npm start` as a newcomer runs it: scripts/start.mjs → supervisor → private redis-server, brain and web
// console as child processes. Talks to Helix over HTTP, kills a role, and stops the whole thing with SIGTERM.
import { afterEach, describe, expect, test } from 'vitest';
import { createServer } from 'node:net';
import { startFakeOpenAi } from '../fakes/llm/index.ts';
import { eventually } from '../helpers/mesh-harness.ts';
import { alive, childPid, cleanups, npmStart, portOpen, runCleanups, talk } from '../helpers/npm-start.ts';

afterEach(runCleanups);

describe('npm start', () => {
  test('GIVEN a machine with redis-server THEN npm start runs a private Redis, the brain and the console, prints the URL, answers, restarts a killed role and stops in order on SIGTERM', async () => {
    const model = await startFakeOpenAi();
    cleanups.push(() => model.close());
    model.setReply('Hi! I am Helix.');
    const started = await npmStart({ HELIX_LLM__PROVIDER: 'openai', HELIX_LLM__OPENAI__BASE_URL: `${model.url}/v1`, HELIX_LLM__OPENAI__MODEL: 'fake' });
    await eventually(() => started.stderr().includes('Helix is up'), 60_000, 'the "Helix is up" line');
    expect(started.stderr()).toContain(`Open http://127.0.0.1:${started.ports.web}/ to talk with Helix`);
    expect(started.stderr()).toContain(`a private redis-server on redis://127.0.0.1:${started.ports.redis}`);

    expect(await talk(started.ports.web, 'hello')).toBe('Hi! I am Helix.');
    const health = await (await fetch(`http://127.0.0.1:${started.ports.supervisor}/healthz`)).json();
    expect(health).toMatchObject({ status: 'ok', checks: { brain: { ok: true }, web: { ok: true } } });

    // A crashed brain is restarted; the next message is answered by the new process.
    const firstBrain = childPid(started, 'brain');
    process.kill(firstBrain, 'SIGKILL');
    await eventually(() => childPid(started, 'brain') !== firstBrain, 10_000, 'brain restarted');
    expect(await talk(started.ports.web, 'are you back?')).toBe('Hi! I am Helix.');
    const metrics = await (await fetch(`http://127.0.0.1:${started.ports.supervisor}/metrics`)).text();
    expect(metrics).toMatch(/helix_supervisor_restarts_total\{name="brain",role="supervisor"\} 1/);

    const pids = [childPid(started, 'brain'), childPid(started, 'web')];
    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
    const order = started.stdout.map((l) => `${String(l.role)}:${String(l.msg)}`);
    const at = (entry: string) => order.indexOf(entry);
    expect(at('web:web console stopped')).toBeGreaterThan(-1);
    expect(at('web:web console stopped')).toBeLessThan(at('brain:brain stopped'));
    expect(at('brain:brain stopped')).toBeLessThan(at('supervisor:stopping private redis-server'));
    expect(pids.filter(alive)).toEqual([]);
    expect(await portOpen(started.ports.redis)).toBe(false);
    expect(await portOpen(started.ports.web)).toBe(false);
  }, 120_000);

  test('GIVEN the console port is taken THEN npm start says which port and stops instead of restarting forever', async () => {
    const blocker = createServer((socket) => socket.destroy()).listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    cleanups.push(() => new Promise((r) => blocker.close(r)));
    const taken = (blocker.address() as { port: number }).port;
    const started = await npmStart({ HELIX_WEB__PORT: String(taken) });
    expect(await Promise.race([started.exit, new Promise((r) => setTimeout(() => r('still running'), 45_000))])).toBe(1);
    expect(started.stderr()).toContain('the web role cannot run');
    const fatal = started.stdout.find((l) => l.role === 'web' && l.level === 'fatal');
    expect(String(fatal?.msg)).toContain(`:${taken}`);
    expect(await portOpen(started.ports.redis)).toBe(false);
  }, 90_000);
});
