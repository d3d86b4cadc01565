// The Slack bot in Socket Mode (real Bolt, fake Slack's WebSocket) and the REAL brain process (`node brain/main.ts`,
// a child) with a fake model: from a Socket Mode envelope to the reply posted with chat.postMessage.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/llm/index.ts';
import { spawnJsonProcess } from '../helpers/json-process.ts';
import { REDIS_URL, eventually } from '../helpers/mesh-harness.ts';
import { sleep, startSlackMesh, type SlackMesh } from '../integration/slack/harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let mesh: SlackMesh;
let model: FakeOpenAi;
let brain: { child: ChildProcess; lines: Array<Record<string, unknown>>; exit: Promise<number | null> };

async function startBrainProcess(prefix: string, modelUrl: string) {
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
  });
  const { child, lines, stderr, exit } = spawnJsonProcess(process.execPath, [join(ROOT, 'brain', 'main.ts')], { cwd: ROOT, env });
  await eventually(() => lines.some((l) => l.msg === 'brain started') || child.exitCode !== null, 30_000, 'the brain process to start');
  if (child.exitCode !== null) throw new Error(`brain exited with ${child.exitCode}: ${stderr()}`);
  return { child, lines, exit };
}

beforeAll(async () => {
  model = await startFakeOpenAi();
  mesh = await startSlackMesh({ collectInbound: false, socketMode: true });
  brain = await startBrainProcess(mesh.prefix, model.url);
}, 60_000);

afterAll(async () => {
  if (brain?.child.exitCode === null) {
    brain.child.kill('SIGTERM');
    await Promise.race([brain.exit, sleep(15_000)]);
  }
  await mesh?.cleanup();
  await model?.close();
});

describe('slack (socket mode) + brain (e2e)', () => {
  test('GIVEN a DM envelope THEN exactly one reply via chat.postMessage; a redelivery (retry_attempt 1) gets no second reply', async () => {
    const { fake } = mesh;
    model.setReply('Hi Alice, over the socket.');
    const ev = fake.dm('are you there?');
    expect(typeof (await fake.send(ev)).envelope_id).toBe('string');
    await fake.waitForCall('chat.postMessage', 1, 15_000);
    const [call] = fake.callsTo('chat.postMessage');
    expect(call!.args).toMatchObject({ channel: fake.dmChannel, text: 'Hi Alice, over the socket.' });
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('are you there?');
    const requestsBefore = model.requests.length;

    expect(typeof (await fake.send(ev, { retryAttempt: 1, retryReason: 'timeout' })).envelope_id).toBe('string');
    await sleep(1_500);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(model.requests.length).toBe(requestsBefore);
  });
});
