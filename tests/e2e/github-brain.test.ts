// The GitHub bot and the REAL brain process (`node brain/main.ts`, a child) with a fake model: from a signed
// issue_comment webhook on the fake GitHub to the reply comment on the same issue, once.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/llm/index.ts';
import { spawnJsonProcess } from '../helpers/json-process.ts';
import { REDIS_URL, eventually } from '../helpers/mesh-harness.ts';
import { SECRET, SLUG, repo, sleep, startGitHubMesh, type GitHubMesh } from '../integration/github/harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let mesh: GitHubMesh;
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
  mesh = await startGitHubMesh({ slug: SLUG });
  mesh.fake.seedIssue({ ...repo, number: 21, title: 'Should we cache?', body: 'Thinking about it' });
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

describe('github + brain (e2e)', () => {
  test('GIVEN "@helix-bot what do you think?" on an issue THEN exactly one reply comment, quoting the asker; a redelivery and Helix\'s own comment get none', async () => {
    const { fake } = mesh;
    model.setReply('I think caching is worth it here.');
    const author = fake.payloads.user('alice', 5001);
    const r = await fake.deliver('issue_comment', fake.payloads.issueComment({ repo, issueNumber: 21, text: 'what do you think?', author }), { url: mesh.bot.webhookUrl, secret: SECRET });
    expect(r.status).toBe(202);
    const onIssue = () => fake.comments.filter((c) => c.issueNumber === 21);
    await eventually(() => onIssue().length === 1, 15_000, 'the reply comment');
    expect(onIssue()[0]!.body).toBe('> what do you think?\n\n@alice\n\nI think caching is worth it here.');
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('what do you think?');
    const requests = model.requests.length;

    expect((await fake.redeliver(r.deliveryId)).status).toBe(200);
    // GitHub tells the app about its own comment: no loop.
    const own = await fake.deliver('issue_comment', fake.payloads.issueCommentByApp({ repo, issueNumber: 21, text: onIssue()[0]!.body }), { url: mesh.bot.webhookUrl, secret: SECRET });
    expect(own.status).toBe(200);
    await sleep(1_500);
    expect(onIssue()).toHaveLength(1);
    expect(model.requests.length).toBe(requests);
  });
});
